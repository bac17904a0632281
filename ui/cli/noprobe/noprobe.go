// Package noprobe keeps Bubble Tea v1 from querying the terminal when veox
// starts.
//
// Bubble Tea v1's package init (tea_init.go) asks the terminal for its
// background colour through lipgloss and termenv, in every program that
// links it, before main runs: every headless command, --help included,
// wrote an OSC 11 and a cursor-position query and waited up to 5 s when
// nothing answered (CI pseudo-terminals, ssh -tt, editors' terminals). No
// code in main runs early enough to stop it; this package's init does.
//
// termenv asks only when it believes stdout is a terminal, and it believes
// no terminal is there while $CI is set. So init sets $CI (when unset) for
// the length of the package inits, and Restore, called first thing in
// main, takes it away again. The TUI then detects the background itself,
// once, before it starts.
//
// Why init runs early enough: Go initialises packages in import-path order,
// each as soon as its imports are (the spec, since Go 1.21). This package
// imports only syscall, so it is ready as soon as syscall is; os imports
// syscall and sorts after "github.com/…", so this package runs before os,
// hence before termenv, lipgloss and Bubble Tea, which all need os.
package noprobe

import "syscall"

// marker is the value init gives $CI, so Restore removes only its own.
const marker = "veox-noprobe"

func init() {
	if v, _ := syscall.Getenv("CI"); v == "" {
		_ = syscall.Setenv("CI", marker)
	}
}

// Restore takes away the $CI that init set, so nothing after start-up
// (the TUI's own detection, programs veox starts) sees it.
func Restore() {
	if v, _ := syscall.Getenv("CI"); v == marker {
		_ = syscall.Unsetenv("CI")
	}
}
