package pulseapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

func TestErrorBodies(t *testing.T) {
	html := `<!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>body{color:red}</style></head>
<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>`
	tests := []struct {
		name   string
		status int
		ctype  string
		body   string
		want   []string // substrings of Error()
		code   string
	}{
		{"envelope", 400, "application/json", `{"error":"Invalid permissions provided","message":"unknown permission(s): x","dev_err_msg":"perm lookup","status":400}`,
			[]string{"POST /apikeys: 400 Invalid permissions provided: unknown permission(s): x [perm lookup] (request id "}, "Invalid permissions provided"},
		{"error only", 404, "application/json", `{"error":"API key not found"}`, []string{"POST /apikeys: 404 API key not found (request id "}, "API key not found"},
		{"message list", 400, "application/json", `{"error":"Invalid input","message":["description is required","bad date"]}`,
			[]string{"400 Invalid input: description is required; bad date"}, "Invalid input"},
		{"html page", 502, "text/html", html, []string{"502 Bad Gateway: 502 Bad Gateway 502 Bad Gateway nginx (request id "}, "Bad Gateway"},
		{"empty", 500, "", "", []string{"500 Internal Server Error: (empty response body)"}, "Internal Server Error"},
		{"truncated json", 500, "application/json", `{"error":"Internal err`, []string{`500 Internal Server Error: {"error":"Internal err (request id`}, "Internal Server Error"},
		{"other json object", 409, "application/json", `{"detail":"conflict"}`, []string{`409 Conflict: {"detail":"conflict"}`}, "Conflict"},
		{"json string", 403, "application/json", `"forbidden, go away"`, []string{`403 Forbidden: forbidden, go away`}, "Forbidden"},
		{"binary", 500, "application/octet-stream", "\x00\xff\xfe garbage \x1b[31m", []string{"500 Internal Server Error: \uFFFD"}, "Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newTestAPI(t)
			c := a.client(t, nil)
			a.intercept("POST /apikeys", func(w http.ResponseWriter, r *http.Request) bool {
				if tt.ctype != "" {
					w.Header().Set("Content-Type", tt.ctype)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
				return true
			})
			// A 5xx on a create may have made the key: the error is then a *CreateError that
			// says so after the same text, and still wraps the *Error.
			_, err := c.CreateAPIKey(context.Background(), "", APIKeyInput{Description: "d", Permissions: []string{"readData"}})
			var apiErr *Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
			if apiErr.StatusCode != tt.status || apiErr.Code != tt.code || apiErr.RequestID == "" {
				t.Errorf("Error = %+v", apiErr)
			}
			if !utf8.ValidString(err.Error()) || strings.ContainsAny(err.Error(), "\x00\x1b\n<>") {
				t.Errorf("unsanitized error: %q", err)
			}
		})
	}
}

func identity(s string) string { return s }

func TestErrorExcerptIsShort(t *testing.T) {
	code, msg, _ := parseErrorBody(502, []byte(strings.Repeat("<p>gateway trouble</p>\n", 500)), identity)
	if code != "Bad Gateway" || utf8.RuneCountInString(msg) > maxExcerpt+1 || !strings.HasSuffix(msg, "…") {
		t.Fatalf("code %q, msg (%d runes) %q", code, utf8.RuneCountInString(msg), msg)
	}
	_, msg, _ = parseErrorBody(400, []byte(`{"error":"x","message":"`+strings.Repeat("m", 5000)+`"}`), identity)
	if utf8.RuneCountInString(msg) > maxExcerpt+1 {
		t.Fatalf("envelope message not bounded: %d runes", utf8.RuneCountInString(msg))
	}
}

func TestUndecodableSuccess(t *testing.T) {
	for _, body := range []string{"<html>ok</html>", "", `{"data": 5}`, `[{"id": "x"}]`} {
		a := newTestAPI(t)
		c := a.client(t, nil)
		a.intercept("GET /apikeys", func(w http.ResponseWriter, _ *http.Request) bool {
			_, _ = w.Write([]byte(body))
			return true
		})
		_, err := c.ListAPIKeys(context.Background(), "")
		var apiErr *Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 200 || apiErr.RequestID == "" ||
			!strings.Contains(err.Error(), "GET /apikeys?page=1&limit=100: 200 unreadable response: ") {
			t.Errorf("body %q: err = %v", body, err)
		}
	}
}

func TestIsNotFoundForbiddenUnauthorized(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, nil)
	err := c.DeleteAPIKey(context.Background(), "", 12345)
	if !IsNotFound(err) || IsForbidden(err) || IsUnauthorized(err) || !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("delete missing key: %v", err)
	}
	// The viewer may read but not manage keys: the emulator answers 403.
	viewer := a.client(t, func(c *Config) {
		c.APIKey, c.APISecret, c.Email, c.Password = "", "", emulator.ViewerEmail, emulator.ViewerPassword
	})
	_, err = viewer.CreateAPIKey(context.Background(), "", APIKeyInput{Description: "d", Permissions: []string{"readData"}})
	if !IsForbidden(err) || IsNotFound(err) || !strings.Contains(err.Error(), "writeApiKeys permission is required") {
		t.Fatalf("create without permission: %v", err)
	}
	wrapped := errors.Join(errors.New("context"), err)
	if !IsForbidden(wrapped) {
		t.Fatal("IsForbidden does not see through wrapping")
	}
	if IsNotFound(errors.New("404")) || IsNotFound(nil) {
		t.Fatal("IsNotFound on a plain error")
	}
}
