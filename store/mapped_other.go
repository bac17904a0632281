//go:build !linux

package store

import bolt "go.etcd.io/bbolt"

// dropMapped is Linux-only; elsewhere the kernel keeps the pages mapped.
func dropMapped(*bolt.Tx) {}
