package emulator

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"mime"
	"net"
	"net/http"
	"strings"
)

// The guard in front of the control surface. The control routes hand out every password and
// secret the world holds and reshape the server at will, and the command serves them on a
// loopback port that any web page the developer opens can aim at: through DNS rebinding (a
// hostile name that resolves to 127.0.0.1, so the browser sends that name as Host) or a
// cross-site form post (which can send neither a custom header nor a JSON content type without
// a preflight the emulator never grants). So a control call needs all three of:
//
//   - a loopback Host (127.0.0.0/8, ::1 or localhost, any port);
//   - the per-run token in ControlTokenHeader, which only a process that read the emulator's
//     output (or holds the Server) knows;
//   - for a POST, a JSON body sent as application/json.

// ControlTokenHeader carries the control token.
const ControlTokenHeader = "X-Emulator-Token"

// ControlToken is the token every control call must send in ControlTokenHeader. It is made
// per Server unless Options.ControlToken set it.
func (s *Server) ControlToken() string { return s.controlToken }

func newControlToken() string {
	b := make([]byte, 24)
	// crypto/rand.Read never fails (it panics rather than returning short).
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// guardControl answers a control call that lacks what guardControl requires, or returns false
// to let it through.
func (s *Server) guardControl(r *http.Request, body []byte) (response, bool) {
	if !loopbackHost(r.Host) {
		return failure(http.StatusForbidden, "Forbidden",
			"control routes answer only on a loopback Host (127.0.0.1, ::1 or localhost), not "+quoteHost(r.Host)), false
	}
	got := r.Header.Get(ControlTokenHeader)
	if subtle.ConstantTimeCompare([]byte(got), []byte(s.controlToken)) != 1 {
		message := "send the control token in the " + ControlTokenHeader + " header: pulse-emulator prints it at start " +
			"as PULSE_EMULATOR_TOKEN"
		if got != "" {
			message = "the " + ControlTokenHeader + " header does not hold this emulator's control token"
		}
		return failure(http.StatusUnauthorized, "Unauthorized", message), false
	}
	if r.Method != http.MethodPost {
		return response{}, true
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return failure(http.StatusUnsupportedMediaType, "Unsupported media type",
			"a control POST must send its JSON body as Content-Type: application/json"), false
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return invalidInput("a control POST needs a JSON object as its body ({} when there is nothing to say)"), false
	}
	return response{}, true
}

// loopbackHost reports whether a Host header names this machine's loopback interface.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// quoteHost shows a Host header in an error, cut short: it comes from whoever called.
func quoteHost(host string) string {
	if len(host) > 64 {
		host = host[:64] + "…"
	}
	return `"` + strings.ToValidUTF8(host, "?") + `"`
}
