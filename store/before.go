package store

import (
	"encoding/base64"
	"time"
)

// CursorBefore is a cursor for List and Walk that starts at the newest task
// created before t, so a reader of a time range (the ledger: this week,
// this month) reads from its end back to its start and stops there,
// instead of from the newest task of the whole history.
func CursorBefore(t time.Time) string {
	return base64.RawURLEncoding.EncodeToString(balanceKey(t))
}
