package provider

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/pulsecrm/terraform-provider-pulse/internal/pulseapi"
)

// testProviderData is what Configure hands on for a client of baseURL, whose URL came from
// the provider block.
func testProviderData(t *testing.T, baseURL string) *providerData {
	t.Helper()
	client, err := pulseapi.New(pulseapi.Config{BaseURL: baseURL, APIKey: "apiKey-test", APISecret: "test-secret"})
	if err != nil {
		t.Fatal(err)
	}
	return &providerData{client: client, baseURLFrom: "from base_url in the provider block"}
}

// refused is what the client hands every caller after a refused login: one sticky error.
var refused = &pulseapi.Error{Method: "POST", Path: "/auth/login", StatusCode: 401, Code: "Unauthorized",
	Message: "invalid API key or secret", RequestID: "req-login"}

// unreachableErr is a request that got no answer: a connection refused, after attempts.
func unreachableErr(requestID string) error {
	return &pulseapi.Error{Method: "POST", Path: "/auth/login", RequestID: requestID, Attempts: 6,
		Err: &url.Error{Op: "Post", URL: "http://127.0.0.1:1/auth/login", Err: syscall.ECONNREFUSED}}
}

// Issue 15, item 4: a failure of the whole run is explained in full once; every later
// resource that meets it gets one line naming the request id of the full error.
func TestRunWideFailuresAreExplainedOnce(t *testing.T) {
	for name, tc := range map[string]struct {
		errs     []error
		full     string // in the first error only
		oneLine  string // in every later one
		firstRef string
	}{
		"credentials refused": {
			errs:     []error{refused, refused, refused, refused, refused},
			full:     "Check the provider's credentials (api_key and api_secret, or email and password",
			oneLine:  "Same cause as the error that quotes request id req-login, which says what to do: Pulse refused the provider's credentials.",
			firstRef: "req-login",
		},
		"API unreachable": {
			errs: []error{unreachableErr("req-1"), unreachableErr("req-2"), unreachableErr("req-3")},
			full: "No answer came from the Pulse API at http://127.0.0.1:1 (from base_url in the provider block). " +
				"Check that this is the server you meant",
			oneLine:  "Same cause as the error that quotes request id req-1, which says what to do: the Pulse API at http://127.0.0.1:1 did not answer.",
			firstRef: "req-1",
		},
		"the provider's account": {
			errs:    []error{&pulseapi.AccountError{AccountID: "123", Available: []string{"456"}}, &pulseapi.AccountError{AccountID: "123"}},
			full:    "Set account_id in the provider block (or PULSE_ACCOUNT_ID) to one of the session's accounts",
			oneLine: "Same cause as the first error of this run, which says what to do: the provider's account_id is not one of the session's accounts.",
		},
	} {
		t.Run(name, func(t *testing.T) {
			d := testProviderData(t, "http://127.0.0.1:1")
			var all []diag.Diagnostics
			for i, err := range tc.errs {
				var diags diag.Diagnostics
				d.addKeyError(context.Background(), &diags, "read", "6591739253089529", err)
				if len(diags) != 1 || diags[0].Severity() != diag.SeverityError {
					t.Fatalf("error %d: %v, want one error", i, diags)
				}
				all = append(all, diags)
			}
			if got := all[0][0].Detail(); !strings.Contains(got, tc.full) || !strings.Contains(got, tc.firstRef) {
				t.Errorf("the first error:\n%s\nwant it to contain %q and its request id", got, tc.full)
			}
			for i, diags := range all[1:] {
				got := diags[0].Detail()
				if !strings.Contains(got, tc.oneLine) || strings.Contains(got, tc.full) || strings.Contains(got, "\n") {
					t.Errorf("error %d:\n%s\nwant one line containing %q", i+1, got, tc.oneLine)
				}
				if diags[0].Summary() != all[0][0].Summary() {
					t.Errorf("error %d is %q, want the same summary as the first, %q", i+1, diags[0].Summary(), all[0][0].Summary())
				}
			}
		})
	}
}

// Failures that are about one key, or one account, are each explained in full; so is every
// failure of a provider instance that has not met it yet.
func TestOtherFailuresAreExplainedEachTime(t *testing.T) {
	d := testProviderData(t, "http://127.0.0.1:1")
	forbidden := &pulseapi.Error{Method: "GET", Path: "/apikeys", StatusCode: 403, Code: "Not authorized", RequestID: "req-403"}
	serverError := &pulseapi.Error{Method: "GET", Path: "/apikeys", StatusCode: 500, RequestID: "req-500"}
	interrupted := &pulseapi.Error{Method: "GET", Path: "/apikeys", RequestID: "req-c", Err: &url.Error{Op: "Get", URL: "u", Err: context.Canceled}}
	queued := &pulseapi.Error{Method: "GET", Path: "/apikeys", RequestID: "req-q", Err: &url.Error{Op: "Get", URL: "u", Err: &pulseapi.QueueError{Limit: 1}}}
	for _, err := range []error{forbidden, forbidden, serverError, serverError, interrupted, interrupted, queued, queued} {
		var diags diag.Diagnostics
		d.addKeyError(context.Background(), &diags, "read", "6591739253089529", err)
		if strings.Contains(diags[0].Detail(), "Same cause") {
			t.Errorf("%v was reported as a run-wide failure: %s", err, diags[0].Detail())
		}
	}
	for i := range 2 {
		var diags diag.Diagnostics
		testProviderData(t, "http://127.0.0.1:1").addAPIError(&diags, "Unable to read", refused)
		if !strings.Contains(diags[0].Detail(), "Check the provider's credentials") {
			t.Errorf("provider instance %d: %s, want the full error: instances share nothing", i, diags[0].Detail())
		}
	}
	var diags diag.Diagnostics
	(*providerData)(nil).addAPIError(&diags, "Unable to read", unreachableErr("req-x"))
	if !strings.Contains(diags[0].Detail(), "No answer came from the Pulse API") {
		t.Errorf("without provider data: %s", diags[0].Detail())
	}
	if !errors.Is(interrupted, context.Canceled) {
		t.Fatalf("%v does not wrap context.Canceled: the test proves nothing", interrupted)
	}
}
