package pulseapi

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// Issue 15, item 13: the trace lines of the retry library and the client's own debug lines
// number one request's attempts alike, from 1: the first line of a request was attempt=0 at
// trace and attempt=1 at debug. A retry's lines name the attempt that failed.
func TestLogLinesNumberAttemptsAlike(t *testing.T) {
	api := newTestAPI(t)
	api.script("GET /permissions", 1, http.StatusServiceUnavailable, nil, `{"error":"Service Unavailable","message":"try again"}`)
	logs := &captureLogger{}
	c := api.client(t, func(cfg *Config) { cfg.Logger = logs })
	if _, err := c.ListPermissions(context.Background(), primaryID); err != nil {
		t.Fatal(err)
	}

	// A line reads "[<ctx>] LEVEL message map[attempt:N ... path:/permissions ...]".
	line := regexp.MustCompile(`^\[[^]]*\] (\S+) (.*) map\[.*\battempt:(\d+)\b`)
	var got []string
	for _, l := range strings.Split(logs.text(), "\n") {
		if !strings.Contains(l, " path:/permissions") {
			continue
		}
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("a line of the request has no attempt: %s", l)
		}
		got = append(got, fmt.Sprintf("%s %s attempt=%s", m[1], m[2], m[3]))
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
