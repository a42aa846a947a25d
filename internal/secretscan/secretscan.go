// Package secretscan finds credentials where none may be: the CLI's and the provider's logs
// and the output of the commands a user runs. The acceptance tests and the demo share it, so
// that a secret the tests would catch is caught by the demo too, and the other way round.
//
// A finding names the file and the kind of credential, never the credential: the report is
// printed and kept in logs as well.
package secretscan

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
)

// Scanner looks for known secrets and, with Shapes, for strings shaped like session tokens.
type Scanner struct {
	// Secrets are the exact strings to find: every password, key secret and session token
	// the emulator held or issued. Empty strings are ignored.
	Secrets []string
	// Shapes also finds JWTs and bearer tokens that are in no list, such as a token of a
	// server the scan was not told about, when no mask hid them.
	Shapes bool
}

// Finding is one kind of credential found in one file.
type Finding struct {
	Path string
	// What describes the credential without giving it away: "a credential of 48
	// characters", "a JWT-shaped string", "a bearer token".
	What string
}

func (f Finding) String() string {
	return f.Path + " holds " + f.What
}

// Result is what a scan of files read and found.
type Result struct {
	Files    int
	Bytes    int64
	Findings []Finding
}

// The shapes of session tokens that a mask should have hidden: a JWT (three base64url
// parts, the first two JSON objects), and whatever follows "Bearer" in a header.
var shapes = []struct {
	what string
	re   *regexp.Regexp
}{
	{"a JWT-shaped string", regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`)},
	{"a bearer token", regexp.MustCompile(`[Bb]earer [A-Za-z0-9._~+/=-]{16,}`)},
}

// Bytes scans data, which came from the place name.
func (s Scanner) Bytes(name string, data []byte) []Finding {
	var found []Finding
	add := func(what string) {
		f := Finding{Path: name, What: what}
		if !slices.Contains(found, f) {
			found = append(found, f)
		}
	}
	for _, secret := range s.Secrets {
		if secret != "" && bytes.Contains(data, []byte(secret)) {
			add(fmt.Sprintf("a credential of %d characters", len(secret)))
		}
	}
	if s.Shapes {
		for _, shape := range shapes {
			if shape.re.Match(data) {
				add(shape.what)
			}
		}
	}
	return found
}

// Paths scans files and, recursively, every regular file in folders. A path that cannot be
// read is an error, never a clean result: a scan that did not run must not pass for one
// that found nothing.
func (s Scanner) Paths(paths ...string) (Result, error) {
	var res Result
	scan := func(path string) error {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		res.Files++
		res.Bytes += int64(len(data))
		res.Findings = append(res.Findings, s.Bytes(path, data)...)
		return nil
	}
	for _, root := range paths {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() || (path == root && !d.IsDir()) {
				return scan(path)
			}
			return nil
		})
		if err != nil {
			return res, fmt.Errorf("scanning for secrets: %w", err)
		}
	}
	return res, nil
}
