// Package pulseapi is a client for the Pulse CRM API: the calls the Terraform provider needs
// (session, accounts, permissions, API keys) over one request path.
//
// A request goes down a stack of layers over one long-lived HTTP client, each in its own file:
//
//	Client.do        (client.go)     request id, headers, decoding, errors
//	retry policy     (retry.go)      go-retryablehttp: which answers are retried, how long to wait
//	authTransport    (auth.go)       session token, one shared (re-)login, replay after an expiry
//	queueTransport   (transport.go)  client-side rate limit: waiting one's turn is not an attempt
//	attemptTransport (transport.go)  the per-attempt timeout
//	the HTTP transport, which follows no redirect
//
// The login is an ordinary request through the retry policy and the two lowest layers.
package pulseapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"golang.org/x/time/rate"
)

// Logger receives the client's log output. The provider adapts tflog to it; ctx is the
// context of the call being logged, so that the provider's masking applies.
type Logger interface {
	Trace(ctx context.Context, msg string, fields map[string]any)
	Debug(ctx context.Context, msg string, fields map[string]any)
	Warn(ctx context.Context, msg string, fields map[string]any)
}

// Config configures a Client. Exactly one credential pair must be complete.
type Config struct {
	BaseURL           string // e.g. https://api.pulsecrm.com (no trailing slash needed)
	APIKey, APISecret string
	Email, Password   string
	AccountID         string // default X-Account-ID; "" = the session's primary account
	UserAgent         string // e.g. terraform-provider-pulse/1.2.3
	MaxRetries        *int   // retries after a failure; nil = 5, 0 = none
	RetryWaitMin      time.Duration
	RetryWaitMax      time.Duration // caps the exponential backoff (not a server's Retry-After)
	RequestTimeout    time.Duration // per attempt; default 60s
	MaxRetryWait      time.Duration // the most one call may wait, in total, between attempts and in the queue; default 5m
	RequestsPerSecond float64       // client-side rate limit; 0 = off
	HTTPClient        *http.Client  // optional; its Transport is used, it is not modified
	Logger            Logger        // optional; nil = silent
	// Secrets is the registry the client adds every token and key secret to; nil = a new one.
	// The provider shares it with its log masking.
	Secrets *Secrets
}

const (
	defaultMaxRetries     = 5
	defaultRetryWaitMin   = time.Second
	defaultRetryWaitMax   = 30 * time.Second
	defaultRequestTimeout = 60 * time.Second
	defaultMaxRetryWait   = 5 * time.Minute

	loginPath       = "/auth/login"
	maxResponseBody = 32 << 20
	maxErrorBody    = 64 << 10
)

// Client talks to one Pulse API environment with one set of credentials. It is safe for
// concurrent use; it logs in on first use and again when the token expires.
type Client struct {
	cfg       Config
	baseURL   string
	http      *http.Client // the whole stack
	loginHTTP *http.Client // the stack below authentication
	auth      *authTransport
	secrets   *Secrets
	log       Logger
	flights   shared

	listings    atomic.Uint64 // numbers each key listing as it starts
	cacheMu     sync.Mutex
	permissions map[string][]Permission // by account id
	keys        map[string]*keyCache    // by account id
}

// New validates cfg and returns a Client. It does not contact the server.
func New(cfg Config) (*Client, error) {
	base, err := checkBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if err := checkCredentials(cfg); err != nil {
		return nil, err
	}
	if cfg.AccountID != "" && !isDigits(cfg.AccountID) {
		return nil, fmt.Errorf("pulseapi: account id %q must be a string of digits", cfg.AccountID)
	}
	cfg = withDefaults(cfg)

	transport := cleanhttp.DefaultPooledTransport()
	var rt http.RoundTripper = transport
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		rt = cfg.HTTPClient.Transport
	}
	rt = &attemptTransport{next: rt, timeout: cfg.RequestTimeout}
	if cfg.RequestsPerSecond > 0 {
		rt = &queueTransport{next: rt, limiter: rate.NewLimiter(rate.Limit(cfg.RequestsPerSecond), 1), maxWait: cfg.MaxRetryWait}
	}

	c := &Client{
		cfg:         cfg,
		baseURL:     base,
		loginHTTP:   &http.Client{Transport: rt, CheckRedirect: noRedirect},
		secrets:     cfg.Secrets,
		log:         cfg.Logger,
		permissions: map[string][]Permission{},
		keys:        map[string]*keyCache{},
	}
	if c.secrets == nil {
		c.secrets = NewSecrets()
	}
	c.secrets.Add(cfg.APISecret)
	c.secrets.Add(cfg.Password)
	c.auth = &authTransport{c: c, next: rt}
	c.http = &http.Client{Transport: c.auth, CheckRedirect: noRedirect}
	return c, nil
}

func checkBaseURL(raw string) (string, error) {
	shown := SafeURL(raw)
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case err != nil:
		return "", fmt.Errorf("pulseapi: base URL %q is not a URL", shown)
	case u.User != nil:
		return "", fmt.Errorf("pulseapi: base URL %q must not carry credentials", shown)
	case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return "", fmt.Errorf("pulseapi: base URL %q must be an absolute http(s) URL", shown)
	}
	u.RawQuery, u.Fragment = "", ""
	return strings.TrimRight(u.String(), "/"), nil
}

func checkCredentials(cfg Config) error {
	keyPair := cfg.APIKey != "" || cfg.APISecret != ""
	passPair := cfg.Email != "" || cfg.Password != ""
	switch {
	case keyPair && passPair:
		return errors.New("pulseapi: configure either an API key and secret or an email and password, not both")
	case keyPair && (cfg.APIKey == "" || cfg.APISecret == ""):
		return errors.New("pulseapi: an API key needs both the key and the secret")
	case passPair && (cfg.Email == "" || cfg.Password == ""):
		return errors.New("pulseapi: password login needs both the email and the password")
	case !keyPair && !passPair:
		return errors.New("pulseapi: no credentials: configure an API key and secret, or an email and password")
	}
	return nil
}

func withDefaults(cfg Config) Config {
	if cfg.MaxRetries == nil {
		cfg.MaxRetries = ptr(defaultMaxRetries)
	}
	cfg.MaxRetries = ptr(max(*cfg.MaxRetries, 0))
	if cfg.RetryWaitMin <= 0 {
		cfg.RetryWaitMin = defaultRetryWaitMin
	}
	if cfg.RetryWaitMax <= 0 {
		cfg.RetryWaitMax = defaultRetryWaitMax
	}
	cfg.RetryWaitMin = min(cfg.RetryWaitMin, cfg.RetryWaitMax)
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = defaultRequestTimeout
	}
	if cfg.MaxRetryWait <= 0 {
		cfg.MaxRetryWait = defaultMaxRetryWait
	}
	return cfg
}

// BaseURL is the API's base URL without a trailing slash.
func (c *Client) BaseURL() string { return c.baseURL }

// Secrets is the client's secret registry.
func (c *Client) Secrets() *Secrets { return c.secrets }

// AuthMethod is "api_key" or "password".
func (c *Client) AuthMethod() string {
	if c.cfg.APIKey != "" {
		return "api_key"
	}
	return "password"
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// do sends method path (path may carry a query) with body as JSON through the whole stack,
// and decodes a success into out (nil: the body is discarded; a func([]byte) error: it
// decodes). accountID is the X-Account-ID to send, "" for none. It returns the request id.
func (c *Client) do(ctx context.Context, method, path, accountID string, body, out any) (string, error) {
	return c.doVetted(ctx, method, path, accountID, body, out, nil)
}

// doVetted is do with resend, which the retry policy asks before it sends a POST answered 503
// again: false ends the call with that answer (see retry.go).
func (c *Client) doVetted(ctx context.Context, method, path, accountID string, body, out any, resend func(context.Context) bool) (string, error) {
	cl, err := c.newCall(ctx, method, path, accountID)
	if err != nil {
		return "", err
	}
	cl.resend = resend
	var payload []byte
	if body != nil {
		if payload, err = json.Marshal(body); err != nil {
			return cl.id, cl.fail(0, fmt.Errorf("encoding the request: %w", err))
		}
	}
	defer c.auth.release(cl)
	return cl.id, cl.exchange(c.http, payload, out)
}

func ptr[T any](v T) *T { return &v }
