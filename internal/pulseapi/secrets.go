package pulseapi

import (
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strings"
	"sync"
	"unicode/utf16"
)

// minMaskLength is the shortest secret that is replaced where it occurs. Replacing a shorter
// one everywhere tells a reader what it is (a password "a" would turn "data" into "d***t***"),
// so a text that holds one is withheld whole instead.
const minMaskLength = 8

// Withheld replaces a text from the server that holds a secret too short to mask.
const Withheld = "(withheld: the text holds a credential)"

// Secrets is the one registry of values that must never appear in an error or a log line:
// the configured secret or password, every session token, every key secret created. The
// client adds to it as it learns them; the provider's log masking reads it. Safe for
// concurrent use.
type Secrets struct {
	mu     sync.RWMutex
	values map[string]bool
	forms  []string // every value in every encoding a body may carry it in, longest first
	short  []string // values too short to mask, in the same encodings
}

// NewSecrets returns a registry holding values ("" is ignored).
func NewSecrets(values ...string) *Secrets {
	s := &Secrets{values: map[string]bool{}}
	for _, v := range values {
		s.Add(v)
	}
	return s
}

// Add registers a secret. Adding "" or a value already held does nothing.
func (s *Secrets) Add(v string) {
	if v == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.values[v] {
		return
	}
	s.values[v] = true
	for _, f := range encodings(v) {
		if len(v) < minMaskLength {
			s.short = append(s.short, f)
			continue
		}
		// Longest first, so that an encoded form is replaced before the raw value inside it.
		i := 0
		for i < len(s.forms) && len(s.forms[i]) >= len(f) {
			i++
		}
		s.forms = append(s.forms[:i], append([]string{f}, s.forms[i:]...)...)
	}
}

// Maskable lists the secrets long enough to be masked wherever they occur, in each encoding,
// for a logger's value masking. Shorter ones are masked by field name only.
func (s *Secrets) Maskable() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]string(nil), s.forms...)
}

// Redact returns text with every registered secret, raw or in any encoding a body may carry it
// in, replaced by "***"; a text that holds a secret too short to mask is withheld whole.
func (s *Secrets) Redact(text string) string {
	if s == nil || text == "" {
		return text
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, f := range s.short {
		if strings.Contains(text, f) {
			return Withheld
		}
	}
	for _, f := range s.forms {
		text = strings.ReplaceAll(text, f, "***")
	}
	return text
}

// encodings are the forms a secret takes in the bodies and URLs the server may echo it in:
// raw, JSON-escaped (with and without HTML escaping, with \u escapes for what JSON may escape
// that way), URL-encoded (query and path), and HTML-escaped.
func encodings(v string) []string {
	forms := []string{v}
	add := func(f string) {
		for _, g := range forms {
			if g == f {
				return
			}
		}
		forms = append(forms, f)
	}
	quoted, _ := json.Marshal(v) // a string always marshals
	add(string(quoted[1 : len(quoted)-1]))
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	plain := strings.TrimSuffix(b.String(), "\n")
	add(plain[1 : len(plain)-1])
	add(unicodeEscaped(v))
	query := url.QueryEscape(v)
	// JavaScript's encodeURIComponent: %20 for a space, and !'()* as they are.
	component := strings.NewReplacer("+", "%20", "%21", "!", "%27", "'", "%28", "(", "%29", ")", "%2A", "*").Replace(query)
	for _, f := range []string{query, url.PathEscape(v), component} {
		add(f)
		add(lowerEscapes(f)) // some encoders write an escape's hex digits in lower case
	}
	escaped := html.EscapeString(v)
	add(escaped)
	// The entities other escapers write for a quote and an apostrophe.
	for _, quote := range []string{"&quot;", "&#x22;"} {
		for _, apos := range []string{"&#39;", "&#x27;", "&apos;"} {
			add(strings.NewReplacer("&#34;", quote, "&#39;", apos).Replace(escaped))
		}
	}
	return forms
}

// lowerEscapes is s with the hex digits of every %XX escape in lower case.
func lowerEscapes(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = asciiLowerByte(b[i+1]), asciiLowerByte(b[i+2])
		}
	}
	return string(b)
}

func asciiLowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// unicodeEscaped is v as a JSON string with every character outside printable ASCII, and
// every character JSON may escape, written as \uXXXX, as some encoders do.
func unicodeEscaped(v string) string {
	var b strings.Builder
	for _, r := range v {
		switch {
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		case strings.ContainsRune(`"\<>&'`, r) || r < 0x20 || r > 0x7e:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// SafeURL is raw with any user info (user:password@) removed, for a message that names a URL
// that may be malformed: it does not need to parse.
func SafeURL(raw string) string {
	scheme, rest, found := strings.Cut(raw, "://")
	if !found {
		scheme, rest = "", raw
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		rest = "***@" + rest[at+1:]
	}
	if found {
		return scheme + "://" + rest
	}
	return rest
}
