package secretscan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const leaked = "leaked-test-secret-6b1d9e0f2a4c"

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A secret leaked into one log of a tree is found, and the report names the file and the
// secret's length, never the secret.
func TestPathsFindsALeakedSecret(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "clean.log"), "apply complete\n")
	write(t, filepath.Join(dir, "nested", "trace.log"), "2026-11-26T10:00:00Z [TRACE] body: {\"apiSecret\":\""+leaked+"\"}\n")

	res, err := Scanner{Secrets: []string{"never-logged-secret", leaked}}.Paths(dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != 2 || res.Bytes == 0 {
		t.Errorf("read %d files, %d bytes; want both files", res.Files, res.Bytes)
	}
	want := Finding{Path: filepath.Join(dir, "nested", "trace.log"), What: "a credential of 31 characters"}
	if len(res.Findings) != 1 || res.Findings[0] != want {
		t.Fatalf("findings %v, want [%v]", res.Findings, want)
	}
	if strings.Contains(res.Findings[0].String(), leaked) {
		t.Error("the report gives the secret away")
	}
}

func TestPathsCleanTree(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.log"), "Authorization: Bearer ***\n")
	res, err := Scanner{Secrets: []string{leaked, ""}, Shapes: true}.Paths(dir, filepath.Join(dir, "a.log"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 || res.Files != 2 {
		t.Errorf("a clean tree: %d files, findings %v; want 2 files and none (an empty secret matches nothing)", res.Files, res.Findings)
	}
}

// A scan that cannot read what it was given fails rather than passing for a clean one.
func TestPathsMissingFileIsAnError(t *testing.T) {
	if _, err := (Scanner{Secrets: []string{leaked}}).Paths(filepath.Join(t.TempDir(), "missing.log")); err == nil {
		t.Error("scanning a missing file succeeded")
	}
}

func TestBytesShapes(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"jwt", "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJlLXZhbHVl here", "a JWT-shaped string"},
		{"bearer", "Authorization: Bearer 3f9a0c1d2e4b5a6978c0d1e2f3a4b5c6", "a bearer token"},
		{"masked bearer", "Authorization: Bearer ***", ""},
		{"prose", "a bearer of news", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			found := Scanner{Shapes: true}.Bytes("out", []byte(tt.text))
			switch {
			case tt.want == "" && len(found) != 0:
				t.Errorf("found %v in %q", found, tt.text)
			case tt.want != "" && (len(found) != 1 || found[0].What != tt.want):
				t.Errorf("found %v, want %s", found, tt.want)
			}
			if len(Scanner{}.Bytes("out", []byte(tt.text))) != 0 {
				t.Error("shapes were looked for without Shapes")
			}
		})
	}
}
