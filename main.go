// Command veox generates and extends Veo 3.1 videos from the terminal.
// Everything is built in ui/cli: the commands, the wiring of config,
// history and client, and the TUI.
package main

import (
	"os"

	"github.com/veox/veox/ui/cli"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(cli.Main(version, os.Args[1:]))
}
