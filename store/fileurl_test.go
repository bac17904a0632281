package store

import "testing"

// A downloaded file keeps the URL it was fetched from, verbatim, whatever
// later happens to the task's links: re-signed, reordered, a whole video
// added, written by Update, Put or UpdateMany. (v2 stores that URL as a
// reference to the link list when it is one of them; the reference must
// never come to name another link.)
func TestFileKeepsTheURLItCameFrom(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	const fetched = "https://cdn.example/r/a.mp4?exp=1&sig=first"
	task := newTask(s, "a heron", epoch)
	task.TaskID = "t-url"
	task.ResultURLs = []string{fetched, "https://cdn.example/r/b.mp4?exp=1&sig=first"}
	task.Files = []File{{Path: "/videos/a.mp4", URL: fetched, Size: 3}}
	mustPut(t, s, task)

	check := func(step string) {
		t.Helper()
		got, err := s.Get("t-url")
		if err != nil {
			t.Fatal(err)
		}
		if got.Files[0].URL != fetched {
			t.Fatalf("after %s the file says it came from %q, want %q", step, got.Files[0].URL, fetched)
		}
	}
	if _, err := s.Update("t-url", func(x *Task) error {
		x.ResultURLs = []string{"https://cdn.example/r/a.mp4?exp=2&sig=second", x.ResultURLs[1]}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	check("a re-signed link (Update)")

	got, _ := s.Get("t-url")
	got.ResultURLs = []string{got.ResultURLs[1], "https://cdn.example/r/a.mp4?exp=3&sig=third"}
	got.FullResultURLs = []string{"https://cdn.example/r/whole.mp4?exp=3"}
	mustPut(t, s, got)
	check("reordered links and a whole video (Put)")

	if _, err := s.UpdateMany([]Edit{{ID: "t-url", Fn: func(x *Task) error {
		x.ResultURLs, x.FullResultURLs = nil, []string{fetched}
		return nil
	}}}); err != nil {
		t.Fatal(err)
	}
	check("the fetched link back in another list (UpdateMany)")
	if _, err := s.Update("t-url", func(x *Task) error { x.FullResultURLs = []string{"https://cdn.example/other"}; return nil }); err != nil {
		t.Fatal(err)
	}
	check("that list re-signed again")
}
