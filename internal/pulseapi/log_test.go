package pulseapi

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// lineLogger records the message and fields of every log line.
type lineLogger struct {
	mu    sync.Mutex
	lines []logLine
}

type logLine struct {
	level, msg string
	fields     map[string]any
}

func (l *lineLogger) add(level, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, logLine{level, msg, fields})
}

func (l *lineLogger) Trace(_ context.Context, msg string, f map[string]any) { l.add("TRACE", msg, f) }
func (l *lineLogger) Debug(_ context.Context, msg string, f map[string]any) { l.add("DEBUG", msg, f) }
func (l *lineLogger) Warn(_ context.Context, msg string, f map[string]any)  { l.add("WARN", msg, f) }

// Issue 15, item 13: the trace lines of the retry library and the client's own debug lines
// number one request's attempts alike, from 1: the first line of a request was attempt=0 at
// trace and attempt=1 at debug. A retry's lines name the attempt that failed.
func TestLogLinesNumberAttemptsAlike(t *testing.T) {
	api := newTestAPI(t)
	api.script("GET /permissions", 1, http.StatusServiceUnavailable, nil, `{"error":"Service Unavailable","message":"try again"}`)
	logs := &lineLogger{}
	c := api.client(t, func(cfg *Config) { cfg.Logger = logs })
	if _, err := c.ListPermissions(context.Background(), primaryID); err != nil {
		t.Fatal(err)
	}

	var got []string
	for _, l := range logs.lines {
		if l.fields["path"] != "/permissions" {
			continue
		}
		got = append(got, fmt.Sprintf("%s %s attempt=%v", l.level, l.msg, l.fields["attempt"]))
	}
	want := []string{
		"TRACE retryablehttp: performing request attempt=1",
		"DEBUG Pulse API response attempt=1",
		"WARN Pulse API request failed; retrying attempt=1",
		"TRACE retryablehttp: retrying request attempt=1",
		"DEBUG Pulse API response attempt=2",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the request's log lines:\n%q\nwant:\n%q", got, want)
	}
}
