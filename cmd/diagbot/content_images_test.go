package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyDir copies the files of src (one level of folders) into dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestContentImages draws the missing picture of the good fixture exactly as
// committed, leaves an up-to-date one alone, and names an unused PNG.
func TestContentImages(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, "../../engine/bank/testdata/good", dir)
	want, err := os.ReadFile(filepath.Join(dir, "images", "c11-a-2.png"))
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "images", "c11-a-2.png"))
	os.WriteFile(filepath.Join(dir, "images", "old.png"), want, 0o644)

	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"content", "images", dir}, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errOut.String())
	}
	for _, w := range []string{"drew images/c11-a-2.png", "images/old.png: no item uses this picture", "1 picture(s) drawn, 0 unchanged, 1 unused"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
	got, err := os.ReadFile(filepath.Join(dir, "images", "c11-a-2.png"))
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("the drawn picture differs from the committed one (%v)", err)
	}

	out.Reset()
	if code := run(context.Background(), []string{"content", "images", dir}, nil, &out, &errOut); code != 0 {
		t.Fatalf("second run exit %d: %s", code, out.String())
	}
	if !strings.Contains(out.String(), "0 picture(s) drawn, 1 unchanged") {
		t.Errorf("second run redrew:\n%s", out.String())
	}

	// A broken description stops the command with its file and line.
	yml := filepath.Join(dir, "1.1.yaml")
	src, _ := os.ReadFile(yml)
	os.WriteFile(yml, bytes.Replace(src, []byte("- bubble:"), []byte("- bubbel:"), 1), 0o644)
	out.Reset()
	if code := run(context.Background(), []string{"content", "images", dir}, nil, &out, &errOut); code != 1 {
		t.Errorf("a broken screen exits %d, want 1", code)
	}
	if !strings.Contains(out.String(), "1.1.yaml:63: item c11-a-2: screen: a block needs one kind key") {
		t.Errorf("output lacks the problem:\n%s", out.String())
	}
}
