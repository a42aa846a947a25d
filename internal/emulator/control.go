package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// controlPrefix is where the control surface lives. Every call needs a loopback Host and the
// per-run token (see control_guard.go); in-process tests mostly use the Go methods instead.
const controlPrefix = "/_emulator/"

// maxSeedKeys bounds seed-keys so that a typo in a script cannot exhaust memory.
const maxSeedKeys = 100_000

type controlHandler func(s *Server, r *http.Request, body []byte) response

var controlRoutes = map[string]controlHandler{
	"GET /_emulator/stats":          (*Server).controlStats,
	"GET /_emulator/journal":        (*Server).controlJournal,
	"POST /_emulator/reset":         (*Server).controlReset,
	"POST /_emulator/expire-tokens": (*Server).controlExpireTokens,
	"POST /_emulator/faults":        (*Server).controlFaults,
	"POST /_emulator/rate-limit":    (*Server).controlRateLimit,
	"POST /_emulator/token-ttl":     (*Server).controlTokenTTL,
	"POST /_emulator/latency":       (*Server).controlLatency,
	"POST /_emulator/variants":      (*Server).controlVariants,
	"POST /_emulator/seed-keys":     (*Server).controlSeedKeys,
	"GET /_emulator/apikeys":        (*Server).controlAPIKeys,
	"GET /_emulator/secrets":        (*Server).controlSecrets,
}

// serveControl serves the control surface. Its requests are neither counted, delayed,
// rate-limited nor faulted: the scripts driving a test must not disturb what it measures.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	handler, ok := controlRoutes[r.Method+" "+r.URL.Path]
	if !ok {
		var methods []string
		for key := range controlRoutes {
			if method, path, _ := strings.Cut(key, " "); path == r.URL.Path {
				methods = append(methods, method)
			}
		}
		if len(methods) == 0 {
			failure(http.StatusNotFound, "Not found", "no control route "+r.URL.Path).write(w)
			return
		}
		slices.Sort(methods)
		resp := failure(http.StatusMethodNotAllowed, "Method not allowed", r.Method+" is not allowed on "+r.URL.Path)
		resp.allow = strings.Join(methods, ", ")
		resp.write(w)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		invalidInput("reading the request body: " + err.Error()).write(w)
		return
	}
	if resp, ok := s.guardControl(r, body); !ok {
		resp.write(w)
		return
	}
	handler(s, r, body).write(w)
}

// decodeControl decodes a control body strictly, so that a misspelt field in a script is
// an error rather than a silent default.
func decodeControl(body []byte, v any) (response, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return invalidInput("the body must be a JSON object: " + err.Error()), false
	}
	return response{}, true
}

func (s *Server) controlStats(*http.Request, []byte) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	return jsonResponse(http.StatusOK, struct {
		Counts map[string]int `json:"counts"`
		Logins int            `json:"logins"`
	}{s.counts, s.logins})
}

// controlSecrets lists Secrets, one per line, for a script that scans its logs for leaks.
func (s *Server) controlSecrets(*http.Request, []byte) response {
	return response{status: http.StatusOK, contentType: "text/plain; charset=utf-8", body: []byte(strings.Join(s.Secrets(), "\n") + "\n")}
}

// controlReset clears the whole record of traffic, counts and journal alike: a script
// resets between phases of a measurement and wants both to start afresh.
func (s *Server) controlReset(_ *http.Request, body []byte) response {
	if resp, ok := decodeControl(body, &struct{}{}); !ok {
		return resp
	}
	s.ResetCounts()
	s.ResetJournal()
	return success()
}

func (s *Server) controlExpireTokens(_ *http.Request, body []byte) response {
	if resp, ok := decodeControl(body, &struct{}{}); !ok {
		return resp
	}
	s.ExpireAllTokens()
	return success()
}

func (s *Server) controlFaults(_ *http.Request, body []byte) response {
	var in struct {
		Route             string  `json:"route"`
		N                 int     `json:"n"`
		Status            int     `json:"status"`
		RetryAfterSeconds float64 `json:"retryAfterSeconds"`
		Body              string  `json:"body"`
		EmptyBody         bool    `json:"emptyBody"`
		ContentType       string  `json:"contentType"`
		AfterCommit       bool    `json:"afterCommit"`
	}
	if resp, ok := decodeControl(body, &in); !ok {
		return resp
	}
	f := Fault{
		Status:      in.Status,
		RetryAfter:  time.Duration(in.RetryAfterSeconds * float64(time.Second)),
		Body:        in.Body,
		EmptyBody:   in.EmptyBody,
		ContentType: in.ContentType,
		AfterCommit: in.AfterCommit,
	}
	if err := checkFault(in.Route, f); err != nil {
		return invalidInput(err.Error())
	}
	if in.N < 1 {
		return invalidInput("n must be at least 1")
	}
	s.FailNext(in.Route, in.N, f)
	return success()
}

func (s *Server) controlRateLimit(_ *http.Request, body []byte) response {
	var in struct {
		PerSecond float64 `json:"perSecond"`
	}
	if resp, ok := decodeControl(body, &in); !ok {
		return resp
	}
	if in.PerSecond < 0 {
		return invalidInput("perSecond must not be negative")
	}
	s.SetRateLimit(in.PerSecond)
	return success()
}

func (s *Server) controlTokenTTL(_ *http.Request, body []byte) response {
	var in struct {
		Seconds float64 `json:"seconds"`
	}
	if resp, ok := decodeControl(body, &in); !ok {
		return resp
	}
	if in.Seconds < 0 {
		return invalidInput("seconds must not be negative")
	}
	s.SetTokenTTL(time.Duration(in.Seconds * float64(time.Second)))
	return success()
}

func (s *Server) controlLatency(_ *http.Request, body []byte) response {
	var in struct {
		Milliseconds float64 `json:"milliseconds"`
	}
	if resp, ok := decodeControl(body, &in); !ok {
		return resp
	}
	if in.Milliseconds < 0 {
		return invalidInput("milliseconds must not be negative")
	}
	s.SetLatency(time.Duration(in.Milliseconds * float64(time.Millisecond)))
	return success()
}

func (s *Server) controlVariants(_ *http.Request, body []byte) response {
	var v Variants
	if resp, ok := decodeControl(body, &v); !ok {
		return resp
	}
	if err := v.Check(); err != nil {
		return invalidInput(err.Error())
	}
	s.SetVariants(v)
	return success()
}

func (s *Server) controlSeedKeys(_ *http.Request, body []byte) response {
	var in struct {
		AccountID string `json:"accountId"`
		N         int    `json:"n"`
		// OwnerEmail "" picks the account's first administrator.
		OwnerEmail string `json:"ownerEmail"`
	}
	if resp, ok := decodeControl(body, &in); !ok {
		return resp
	}
	if in.N < 1 || in.N > maxSeedKeys {
		return invalidInput("n must be between 1 and 100000")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	owner := in.OwnerEmail
	if owner == "" {
		owner = s.firstAdmin(in.AccountID)
		if owner == "" {
			return invalidInput("account " + in.AccountID + " has no administrator to own the keys; send ownerEmail")
		}
	}
	ids, err := s.seedAPIKeys(in.AccountID, owner, in.N)
	if err != nil {
		return invalidInput(err.Error())
	}
	return jsonResponse(http.StatusOK, struct {
		IDs []int64 `json:"ids"`
	}{ids})
}

// firstAdmin is the email of the longest-standing administrator of an account, or "". The
// caller holds s.mu.
func (s *Server) firstAdmin(accountID string) string {
	var best *user
	for _, u := range s.users {
		if isAdminRole(u.memberships[accountID]) && (best == nil || u.id < best.id) {
			best = u
		}
	}
	if best == nil {
		return ""
	}
	return best.email
}

func (s *Server) controlAPIKeys(r *http.Request, _ []byte) response {
	accountID := r.URL.Query().Get("accountId")
	if accountID == "" {
		return invalidInput("accountId is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.accountByID[accountID]; !ok {
		return failure(http.StatusNotFound, "Not found", "no account "+accountID)
	}
	keys := s.keysByAccount[accountID]
	views := make([]keyView, 0, len(keys))
	for _, k := range keys {
		views = append(views, keyObject(k, Variants{}))
	}
	return jsonResponse(http.StatusOK, struct {
		Count   int       `json:"count"`
		APIKeys []keyView `json:"apiKeys"`
	}{len(views), views})
}
