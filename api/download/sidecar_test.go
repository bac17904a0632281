package download

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func dirNames(t *testing.T, root *os.Root) []string {
	t.Helper()
	entries, err := os.ReadDir(root.Name())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// A sidecar takes its name only whole: the old one stays readable until
// the new one replaces it, no temporary file is left, and writing the same
// bytes again writes nothing.
func TestWriteSidecarReplacesWholeAndLeavesNothing(t *testing.T) {
	t.Parallel()
	root := testRoot(t)
	if err := root.WriteFile(testName, []byte("video"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{`{"v":1}`, `{"v":2,"more":true}`} {
		if err := WriteSidecar(root, testName, []byte(body)); err != nil {
			t.Fatal(err)
		}
		got, err := ReadSidecar(root, SidecarName(testName))
		if err != nil || string(got) != body {
			t.Fatalf("read back %q, %v; want %q", got, err, body)
		}
	}
	if names := dirNames(t, root); !slices.Equal(names, []string{testName, testName + ".json"}) {
		t.Fatalf("folder holds %v", names)
	}
	before, _ := root.Stat(SidecarName(testName))
	if err := WriteSidecar(root, testName, []byte(`{"v":2,"more":true}`)); err != nil {
		t.Fatal(err)
	}
	after, _ := root.Stat(SidecarName(testName))
	if !os.SameFile(before, after) { // a rewrite renames a new file over it
		t.Error("the same description was written again")
	}
	if got, _ := root.ReadFile(testName); string(got) != "video" {
		t.Error("the video was touched")
	}
}

// Only a plain name inside the folder: nothing escapes it, whatever the
// name says.
func TestWriteSidecarStaysInItsFolder(t *testing.T) {
	t.Parallel()
	root := testRoot(t)
	outside := filepath.Dir(root.Name())
	for _, name := range []string{"../escape.mp4", "/tmp/abs.mp4", "", ".hidden.mp4", "a\nb.mp4", strings.Repeat("x", 250) + ".mp4"} {
		if err := WriteSidecar(root, name, []byte("{}")); err == nil {
			t.Errorf("WriteSidecar accepted %q", name)
		}
	}
	if _, err := os.Stat(filepath.Join(outside, "escape.mp4.json")); err == nil {
		t.Fatal("a sidecar was written outside the folder")
	}
	// A symbolic link planted where the sidecar goes is replaced, not
	// followed.
	target := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(target, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(root.Name(), testName+".json")); err != nil {
		t.Fatal(err)
	}
	if err := WriteSidecar(root, testName, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Fatal("the write followed a symbolic link out of the folder")
	}
}

// A failed write leaves no temporary file and reports the sidecar's name.
func TestWriteSidecarFailureLeavesNoTemp(t *testing.T) {
	t.Parallel()
	root := testRoot(t)
	if err := root.Mkdir(testName+".json", 0o755); err != nil { // a folder where the sidecar goes
		t.Fatal(err)
	}
	if err := root.WriteFile(testName+".json/x", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteSidecar(root, testName, []byte("{}"))
	if err == nil || !strings.Contains(err.Error(), testName+".json") {
		t.Fatalf("err = %v", err)
	}
	if names := dirNames(t, root); !slices.Equal(names, []string{testName + ".json"}) {
		t.Fatalf("left behind: %v", names)
	}
}

func TestReadSidecarRefusesWhatVeoxNeverWrites(t *testing.T) {
	t.Parallel()
	root := testRoot(t)
	big := make([]byte, MaxSidecarBytes+1)
	if err := root.WriteFile("big.mp4.json", big, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSidecar(root, "big.mp4.json"); err == nil {
		t.Fatal("a sidecar larger than the limit was read")
	}
	if err := root.Mkdir("dir.mp4.json", 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSidecar(root, "dir.mp4.json"); err == nil {
		t.Fatal("a folder was read as a sidecar")
	}
}

func TestIsSidecarName(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"2026-11-23_t_x.mp4.json": "2026-11-23_t_x.mp4",
		"a.mp4.part.json":         "",
		"a.json":                  "",
		".a.mp4.json":             "",
		"a.mp4.json.tmp-12":       "",
	} {
		if got, _ := IsSidecarName(name); got != want {
			t.Errorf("IsSidecarName(%q) = %q, want %q", name, got, want)
		}
	}
}
