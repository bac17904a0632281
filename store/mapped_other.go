//go:build !linux

package store

import bolt "go.etcd.io/bbolt"

// dropMapped is Linux-only (mapped_linux.go).
func dropMapped(*bolt.Tx) {}
