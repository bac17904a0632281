package store

import (
	"bytes"
	"strings"
	"testing"
)

// searchValue, built in place, gives the bytes it gave as a lowered join:
// ASCII, letters whose lower case is longer or shorter, invalid UTF-8.
func TestSearchValueAsAJoinLowered(t *testing.T) {
	t.Parallel()
	for _, prompt := range []string{"", "A Lighthouse AT Dusk", "ÄÖÜ straße", "İstanbul KELVİN \u212a", "bad \xff\xfe UTF-8 ABC", "nul\x00inside"} {
		task := &Task{LocalID: "l1", TaskID: "TaskABC", Seeds: []int{7, 42, 7},
			Request: Request{Prompt: prompt, Watermark: "MyMark", Seed: 7}}
		fields := []string{prompt, task.TaskID, task.Request.Watermark, "7", "42"}
		want := []byte(strings.ToLower(strings.Join(fields, "\x00")))
		if got := searchValue(task); !bytes.Equal(got, want) {
			t.Errorf("searchValue(%q) = %q, want %q", prompt, got, want)
		}
		if got := appendSearchValue([]byte("kept"), task); !bytes.Equal(got, append([]byte("kept"), want...)) {
			t.Errorf("appendSearchValue(%q) = %q", prompt, got)
		}
	}
	task := &Task{LocalID: "l2", Request: Request{Prompt: "P"}}
	if got := string(searchValue(task)); got != "p\x00\x00" {
		t.Errorf("no ids, no seeds: %q", got)
	}
}
