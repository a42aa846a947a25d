package pulseapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Error is a failed call to the Pulse API: an error status from the server, a response that
// could not be read, or a request that never got an answer (then StatusCode is 0 and Err says
// why). RequestID is the x-pulse-id the client sent, for the user to quote to support.
type Error struct {
	Method     string
	Path       string
	StatusCode int
	// Code is the envelope's "error" (e.g. "Invalid permissions provided"); for a body that is
	// not the envelope, the HTTP status text.
	Code string
	// Message is the envelope's "message", or a short sanitized excerpt of a body that is not
	// the envelope.
	Message    string
	DevMessage string
	RequestID  string
	// Attempts is how many times the request was sent (0 when it never was).
	Attempts int
	// Err is the underlying cause (transport error, context error, decoding error), if any.
	Err error
	// Note says what the client makes of the answer (a 404 that may mean "no access", a
	// Retry-After too long to wait).
	Note string

	summary string // replaces the generic text, e.g. for a login refused
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.summary != "" {
		b.WriteString(e.summary)
		b.WriteString(" (")
	}
	fmt.Fprintf(&b, "%s %s: ", e.Method, e.Path)
	switch {
	case e.StatusCode != 0:
		b.WriteString(strconv.Itoa(e.StatusCode))
		code := e.Code
		if code == "" {
			code = http.StatusText(e.StatusCode)
		}
		if code != "" {
			b.WriteString(" " + code)
		}
		if e.Message != "" && e.Message != code {
			b.WriteString(": " + e.Message)
		}
		if e.DevMessage != "" {
			b.WriteString(" [" + e.DevMessage + "]")
		}
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	default:
		b.WriteString(e.Message)
	}
	if e.Note != "" {
		b.WriteString(". " + e.Note)
	}
	if e.summary != "" {
		b.WriteString("; ")
	} else {
		b.WriteString(" (")
	}
	b.WriteString("request id " + e.RequestID)
	if e.Attempts > 1 {
		fmt.Fprintf(&b, ", %d attempts", e.Attempts)
	}
	b.WriteString(")")
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

func statusIs(err error, code int) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == code
}

// IsNotFound reports whether err is (or wraps) an *Error with status 404.
func IsNotFound(err error) bool { return statusIs(err, http.StatusNotFound) }

// IsForbidden reports whether err is (or wraps) an *Error with status 403.
func IsForbidden(err error) bool { return statusIs(err, http.StatusForbidden) }

// IsUnauthorized reports whether err is (or wraps) an *Error with status 401, which includes
// a login refused for wrong credentials.
func IsUnauthorized(err error) bool { return statusIs(err, http.StatusUnauthorized) }

// AccountError says that Config.AccountID is not one of the accounts the credentials can act on.
type AccountError struct {
	AccountID string
	Available []string
	// AuthMethod is how the session was opened ("api_key" or "password"): some builds scope
	// a key's session to the key's own account.
	AuthMethod string
}

func (e *AccountError) Error() string {
	avail := "none"
	if len(e.Available) > 0 {
		avail = strings.Join(e.Available, ", ")
	}
	return fmt.Sprintf("account %q is not available to these credentials (available accounts: %s)", e.AccountID, avail)
}

const maxExcerpt = 200

// parseErrorBody reads an error response body: the envelope
// {"error","message","dev_err_msg","status"} when it is one, otherwise the status text and a
// short sanitized excerpt. It never fails. redact is applied to the raw body, again to each
// decoded text (decoding turns an escaped secret into a raw one) before it is cut short or its
// white space collapsed, and once more after (dropping markup may join the pieces of one).
func parseErrorBody(status int, body []byte, redact func(string) string) (code, message, dev string) {
	trimmed := bytes.TrimSpace([]byte(redact(string(body))))
	if len(trimmed) == 0 {
		return http.StatusText(status), "(empty response body)", ""
	}
	clean := func(s string) string { return redact(excerpt([]byte(redact(s)))) }
	text := func(v any) string { return jsonText(v, clean) }
	var raw any
	if json.Unmarshal(trimmed, &raw) == nil {
		switch v := raw.(type) {
		case map[string]any:
			code, message, dev = text(v["error"]), text(v["message"]), text(v["dev_err_msg"])
			if code == "" && message == "" {
				// Some frameworks use other keys; show the object rather than nothing.
				return http.StatusText(status), clean(string(trimmed)), dev
			}
			return code, message, dev
		case string:
			return http.StatusText(status), clean(v), ""
		}
	}
	return http.StatusText(status), clean(string(trimmed)), ""
}

// jsonText renders a decoded JSON value of an envelope field as short text made by clean.
func jsonText(v any, clean func(string) string) string {
	switch t := v.(type) {
	case nil, bool:
		return ""
	case string:
		return clean(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case []any:
		parts := make([]string, 0, len(t))
		for _, p := range t {
			if s := jsonText(p, clean); s != "" {
				parts = append(parts, s)
			}
		}
		return clean(strings.Join(parts, "; "))
	default:
		b, _ := json.Marshal(t)
		return clean(string(b))
	}
}

// excerpt makes arbitrary bytes fit for an error message: valid UTF-8, markup tags dropped,
// control characters and runs of white space collapsed, at most maxExcerpt characters.
func excerpt(b []byte) string {
	if len(b) > 16<<10 { // enough for 200 characters of text after markup
		b = b[:16<<10]
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	if strings.Contains(s, "<") && strings.Contains(s, ">") {
		s = stripTags(s)
	}
	var out strings.Builder
	space := false
	n := 0
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = out.Len() > 0
			continue
		}
		// The pending space and r go in together, or the excerpt ends: a space that would
		// cross the bound would make it one character too long.
		need := 1
		if space {
			need = 2
		}
		if n+need > maxExcerpt {
			out.WriteString("…")
			break
		}
		if space {
			out.WriteByte(' ')
			n++
			space = false
		}
		out.WriteRune(r)
		n++
	}
	return out.String()
}

// stripTags removes <...> markup (and the contents of script and style elements) so that an
// HTML error page reads as its text.
func stripTags(s string) string {
	var out strings.Builder
	lower := asciiLower(s) // same byte offsets as s
	for i := 0; i < len(s); {
		if s[i] != '<' {
			_, size := utf8.DecodeRuneInString(s[i:])
			out.WriteString(s[i : i+size])
			i += size
			continue
		}
		for _, skip := range []string{"script", "style"} {
			if strings.HasPrefix(lower[i+1:], skip) {
				end := strings.Index(lower[i:], "</"+skip)
				if end < 0 {
					return out.String() // unterminated: the rest is code, not text
				}
				i += end // at the closing tag
				break
			}
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			break
		}
		i += end + 1
		out.WriteByte(' ')
	}
	return out.String()
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
