package pulseapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Test credentials. The secrets are distinctive so that a leak is easy to find.
const (
	testKey      = "apiKey-0123456789ab"
	testSecret   = "S3CRET-do-not-leak-7f3a"
	testEmail    = "user@example.com"
	testPassword = "PASSWORD-do-not-leak-91c"
	primaryID    = "6591739253089529"
	secondID     = "1111"
)

// fakeAPI is a small in-memory Pulse API for the tests.
type fakeAPI struct {
	t   *testing.T
	srv *httptest.Server

	mu         sync.Mutex
	logins     int
	tokens     map[string]bool // valid tokens
	issued     []string        // every token handed out, for leak checks
	counts     map[string]int  // "METHOD /path" → requests (after the hook)
	reqs       []*http.Request // clones, in arrival order
	arrivals   []time.Time
	keys       []map[string]any
	nextID     int64
	keyMode    string // "wrapper:<name>" (default wrapper:data), "bare", "bare-paged"
	session    func(token string) map[string]any
	loginDelay time.Duration
	refuse     bool // refuse every login, as if the key had been revoked
	// hook, when set, may answer a request itself (return true). It runs before auth checks.
	hook func(w http.ResponseWriter, r *http.Request) bool
}

func newFake(t *testing.T) *fakeAPI {
	t.Helper()
	f := &fakeAPI{t: t, tokens: map[string]bool{}, counts: map[string]int{}, nextID: 100, keyMode: "wrapper:data"}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) client(t *testing.T, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		BaseURL: f.srv.URL, APIKey: testKey, APISecret: testSecret,
		UserAgent: "terraform-provider-pulse/test", RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
		MaxRetries: 2, RequestTimeout: 5 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func (f *fakeAPI) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[key]
}

func (f *fakeAPI) loginCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.logins
}

func (f *fakeAPI) requests() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.reqs...)
}

func (f *fakeAPI) setHook(h func(w http.ResponseWriter, r *http.Request) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hook = h
}

// expireAll makes every issued token invalid, as if it had timed out.
func (f *fakeAPI) expireAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens = map[string]bool{}
}

func (f *fakeAPI) addKeys(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := 0; i < n; i++ {
		f.nextID++
		f.keys = append(f.keys, map[string]any{
			"id": f.nextID, "description": fmt.Sprintf("key %d", f.nextID), "expiresAt": nil,
			"permissions": []string{"readData"}, "apiKey": fmt.Sprintf("apiKey-%012d", f.nextID),
			"lastFourOfSecret": "abcd", "createdAt": "2025-02-11T03:45:04.853Z", "updatedAt": "2025-02-11T03:45:04Z",
		})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func defaultSession(token string) map[string]any {
	primary := map[string]any{"accountName": "Main", "accountId": primaryID, "repcode": "3", "usersPrimaryAccount": true, "accountAdmin": true}
	return map[string]any{
		"id": 3, "email": testEmail, "active": true,
		"createdAt": "2025-02-11T03:45:04.853Z", "updatedAt": "2025-02-11T03:45:04Z",
		"createdBy": "admin@example.com", "impersonating": nil,
		"primaryAccount":      primary,
		"accounts":            []any{primary, map[string]any{"accountName": "Second", "accountId": secondID, "repcode": nil, "usersPrimaryAccount": false, "accountAdmin": false}},
		"flatRolesList":       []string{"superAdmin"},
		"flatPermissionsList": []string{"writeApiKeys", "readData"},
		"token":               token,
		"expiresAt":           "2030-01-01T00:00:00.000Z",
	}
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	clone := r.Clone(context.Background())
	clone.Body = io.NopCloser(strings.NewReader(string(body)))
	f.mu.Lock()
	f.reqs = append(f.reqs, clone)
	f.arrivals = append(f.arrivals, time.Now())
	hook := f.hook
	f.mu.Unlock()
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	if hook != nil && hook(w, r) {
		return
	}
	f.mu.Lock()
	f.counts[r.Method+" "+r.URL.Path]++
	f.mu.Unlock()

	if r.Method == http.MethodPost && r.URL.Path == "/auth/login" {
		f.login(w, body)
		return
	}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	valid := f.tokens[token]
	f.mu.Unlock()
	if !valid {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "Not authorized", "message": "token expired"})
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/permissions":
		writeJSON(w, http.StatusOK, []any{
			map[string]any{"id": 1, "permission": "readApplications", "description": "Read applications", "category": "Applications"},
			map[string]any{"id": 2, "permission": "writeApiKeys", "description": "Manage keys", "category": "Admin"},
		})
	case r.Method == http.MethodGet && r.URL.Path == "/apikeys":
		f.listKeys(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/apikeys":
		var in map[string]any
		if json.Unmarshal(body, &in) != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "Invalid input"})
			return
		}
		f.mu.Lock()
		f.nextID++
		k := map[string]any{
			"id": f.nextID, "description": in["description"], "expiresAt": in["expiresAt"],
			"permissions": in["flatPermissionsList"], "apiKey": fmt.Sprintf("apiKey-%012d", f.nextID),
			"lastFourOfSecret": "9z9z", "createdAt": "2025-02-11T03:45:04.853Z", "updatedAt": "2025-02-11T03:45:04.853Z",
		}
		f.keys = append(f.keys, k)
		out := map[string]any{"apiSecret": fmt.Sprintf("created-secret-%d-9z9z", f.nextID)}
		for name, v := range k {
			out[name] = v
		}
		f.mu.Unlock()
		writeJSON(w, http.StatusCreated, out)
	case (r.Method == http.MethodPatch || r.Method == http.MethodDelete) && strings.HasPrefix(r.URL.Path, "/apikeys/"):
		id, _ := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/apikeys/"), 10, 64)
		f.mu.Lock()
		defer f.mu.Unlock()
		for i, k := range f.keys {
			if k["id"].(int64) == id {
				if r.Method == http.MethodDelete {
					f.keys = append(f.keys[:i], f.keys[i+1:]...)
				} else {
					var in map[string]any
					_ = json.Unmarshal(body, &in)
					k["description"], k["permissions"], k["expiresAt"] = in["description"], in["flatPermissionsList"], in["expiresAt"]
				}
				writeJSON(w, http.StatusOK, map[string]any{"success": true})
				return
			}
		}
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "API key not found"})
	case r.Method == http.MethodGet && r.URL.Path == "/accounts":
		f.listAccounts(w, r)
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "Not found"})
	}
}

func (f *fakeAPI) login(w http.ResponseWriter, body []byte) {
	var in map[string]string
	_ = json.Unmarshal(body, &in)
	f.mu.Lock()
	f.logins++
	delay, refuse := f.loginDelay, f.refuse
	f.mu.Unlock()
	time.Sleep(delay)
	validKey := in["apiKey"] == testKey && in["apiSecret"] == testSecret
	validPassword := in["email"] == testEmail && in["password"] == testPassword
	if refuse || !validKey && !validPassword {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "Invalid API key or secret"})
		return
	}
	f.mu.Lock()
	token := fmt.Sprintf("%064x", len(f.issued)+0xabc0ffee)
	f.tokens[token] = true
	f.issued = append(f.issued, token)
	session := f.session
	f.mu.Unlock()
	if session == nil {
		session = defaultSession
	}
	writeJSON(w, http.StatusOK, session(token))
}

func (f *fakeAPI) listKeys(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	all := append([]map[string]any(nil), f.keys...)
	mode := f.keyMode
	f.mu.Unlock()
	pageNum, _ := strconv.Atoi(r.URL.Query().Get("page"))
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if pageNum < 1 {
		pageNum = 1
	}
	if limit < 1 {
		limit = 10
	}
	if mode == "bare" {
		writeJSON(w, http.StatusOK, all)
		return
	}
	start := min((pageNum-1)*limit, len(all))
	items := all[start:min(start+limit, len(all))]
	if mode == "bare-paged" {
		writeJSON(w, http.StatusOK, items)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		strings.TrimPrefix(mode, "wrapper:"): items, "total": len(all), "pageCount": (len(all) + limit - 1) / limit,
	})
}

func (f *fakeAPI) listAccounts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pageNum, _ := strconv.Atoi(q.Get("page"))
	size, _ := strconv.Atoi(q.Get("pageSize"))
	var all []map[string]any
	for i := 0; i < 230; i++ {
		name := fmt.Sprintf("Account %03d", i)
		if q.Get("name") != "" && !strings.Contains(name, q.Get("name")) {
			continue
		}
		all = append(all, map[string]any{"id": i + 1, "accountId": strconv.Itoa(1000000 + i), "accountName": name, "repcode": nil})
	}
	start := min((pageNum-1)*size, len(all))
	writeJSON(w, http.StatusOK, map[string]any{
		"accounts": all[start:min(start+size, len(all))], "totalCount": len(all),
		"totalPages": (len(all) + size - 1) / size, "currentPage": pageNum,
	})
}

type ctxKey struct{}

// captureLogger records every log line as text, prefixed by the ctxKey value of its context.
type captureLogger struct {
	mu    sync.Mutex
	lines []string
}

func (l *captureLogger) add(ctx context.Context, level, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("[%v] %s %s %v", ctx.Value(ctxKey{}), level, msg, fields))
}

func (l *captureLogger) Trace(ctx context.Context, msg string, f map[string]any) {
	l.add(ctx, "TRACE", msg, f)
}
func (l *captureLogger) Debug(ctx context.Context, msg string, f map[string]any) {
	l.add(ctx, "DEBUG", msg, f)
}
func (l *captureLogger) Warn(ctx context.Context, msg string, f map[string]any) {
	l.add(ctx, "WARN", msg, f)
}

func (l *captureLogger) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}
