package provider

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pulsecrm/terraform-provider-pulse/internal/pulseapi"
)

// providerData is what Configure hands to every resource, data source, ephemeral resource
// and list resource.
type providerData struct {
	// client is nil while the provider configuration is not known (plan time, credentials
	// from a resource not yet created).
	client *pulseapi.Client
	logger *logger
	// baseURLFrom says where the client's URL came from, in a user's words ("base_url in the
	// provider block"), for the error of an API that cannot be reached.
	baseURLFrom string

	// firstOf holds, for each failure that every request of the run meets (see runWideCause),
	// the request id of the error that explained it in full: the resources and data sources
	// that meet it afterwards point to that one in a line instead of repeating it. It lives
	// here, not in a global, because one process may serve many provider instances.
	mu      sync.Mutex
	firstOf map[runWideCause]string

	// config is what client was made from: pulse_session logs in afresh with it, and
	// pulse_api_key's list leaves out the key it names.
	config pulseapi.Config
}

// runWideCause names a failure that is not about one resource but about the whole run.
type runWideCause int

const (
	causeCredentials runWideCause = iota // Pulse refused the provider's credentials
	causeAccount                         // the provider's account_id is not one of the session's
	causeUnreachable                     // no answer from the API at all
)

// providerDataFrom is the Configure step every resource and data source shares. It returns
// nil before the provider is configured, as the framework calls Configure early too.
func providerDataFrom(raw any, diags *diag.Diagnostics) *providerData {
	if raw == nil {
		return nil
	}
	data, ok := raw.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got: %T. Please report this issue to the provider developers.", raw))
		return nil
	}
	return data
}

// logContext returns ctx with the provider's masking rules, so that a resource's own log
// lines are filtered like the client's.
func (d *providerData) logContext(ctx context.Context) context.Context {
	if d == nil || d.logger == nil {
		return ctx
	}
	return d.logger.mask(ctx)
}

// clientFor returns the API client, or adds an error saying why there is none.
func (d *providerData) clientFor(diags *diag.Diagnostics) *pulseapi.Client {
	if d == nil || d.client == nil {
		diags.AddError("Pulse provider not configured",
			"The provider's configuration is not known yet (its credentials or URL come from a resource that has not "+
				"been created), so nothing can be read from Pulse during this plan. Apply the resources it depends on "+
				"first, for example with -target, then plan again.")
		return nil
	}
	return d.client
}

// addAPIError turns a client error into a diagnostic whose detail says what to do. A failure
// of the whole run (refused credentials, a wrong account_id, an API that does not answer) is
// explained in full once, to the first resource or data source that meets it; the others get
// one line pointing to that error, rather than the same paragraph twenty times.
func (d *providerData) addAPIError(diags *diag.Diagnostics, summary string, err error) {
	var accountErr *pulseapi.AccountError
	switch {
	case errors.Is(err, context.Canceled):
		diags.AddError(summary, fmt.Sprintf("%s. The run was interrupted (Ctrl-C, or a CI job's timeout) "+
			"before Pulse answered.", err))
	case errors.As(err, &accountErr):
		// The provider's own account_id is wrong: whichever read met it first, it is a
		// configuration error, and reads as one.
		detail := fmt.Sprintf("%s. Set account_id in the provider block (or PULSE_ACCOUNT_ID) to one of the "+
			"session's accounts, or remove it to use the primary account.", accountErr)
		if accountErr.AuthMethod == "api_key" {
			detail += " " + keyScopeAdvice(accountErr.AccountID)
		}
		d.addRunWideError(diags, causeAccount, "Invalid Pulse provider configuration: account_id", err, detail)
	case pulseapi.IsUnauthorized(err):
		d.addRunWideError(diags, causeCredentials, summary, err, fmt.Sprintf("%s. Check the provider's credentials "+
			"(api_key and api_secret, or email and password, or their PULSE_* variables) and that they belong to "+
			"this environment.", err))
	case pulseapi.IsForbidden(err):
		diags.AddError(summary, fmt.Sprintf("%s. The credentials are valid but lack a permission on this account: "+
			"ask an account administrator to grant it, or use credentials that have it.", err))
	case unreachable(err):
		d.addRunWideError(diags, causeUnreachable, summary, err, fmt.Sprintf("%s. %s", err, d.unreachableHint()))
	case pulseapi.IsNotFound(err):
		diags.AddError(summary, fmt.Sprintf("%s. Check the account id, and that the provider's credentials belong to "+
			"that account: the pulse_session data source lists the accounts they can act on.", err))
	default:
		diags.AddError(summary, err.Error())
	}
}

// keyScopeAdvice says plainly what a session opened with an API key can reach, for an error
// about accountID.
func keyScopeAdvice(accountID string) string {
	return fmt.Sprintf("A session opened with an API key acts only on the accounts Pulse lists for it, and some "+
		"Pulse builds list only the account the key was created on. To act on account %s, use a key created on that "+
		"account (in a second provider block with an alias), or the email and password of a user who belongs to it.", accountID)
}

// outOfReach says, when accountID is not among the accounts the provider's session lists,
// that this is why Pulse refused a call on it ("" when it is among them, or unknown).
func (d *providerData) outOfReach(ctx context.Context, accountID string) string {
	if d == nil || d.client == nil || accountID == "" {
		return ""
	}
	session, err := d.client.Session(ctx)
	if err != nil {
		return ""
	}
	ids := session.AccountIDs()
	if slices.Contains(ids, accountID) {
		return ""
	}
	text := fmt.Sprintf("Account %s is not one of the accounts the provider's credentials can act on (%s).",
		accountID, strings.Join(ids, ", "))
	if d.client.AuthMethod() == "api_key" {
		text += " " + keyScopeAdvice(accountID)
	} else {
		text += fmt.Sprintf(" Use the credentials of a user who belongs to account %s.", accountID)
	}
	return text
}

// addRunWideError adds the full detail for the first error of its cause, and one line
// pointing to it (by its request id, which the CLI prints wherever it puts that error) for
// every later one.
func (d *providerData) addRunWideError(diags *diag.Diagnostics, cause runWideCause, summary string, err error, detail string) {
	requestID := ""
	var apiErr *pulseapi.Error
	if errors.As(err, &apiErr) {
		requestID = apiErr.RequestID
	}
	first, firstID := d.claim(cause, requestID)
	if first {
		diags.AddError(summary, detail)
		return
	}
	what := map[runWideCause]string{
		causeCredentials: "Pulse refused the provider's credentials",
		causeAccount:     "the provider's account_id is not one of the session's accounts",
		causeUnreachable: "the Pulse API at " + d.baseURL() + " did not answer",
	}[cause]
	where := "the first error of this run"
	if firstID != "" {
		where = "the error that quotes request id " + firstID
	}
	diags.AddError(summary, fmt.Sprintf("Same cause as %s, which says what to do: %s.", where, what))
}

// claim records the first error of cause, and reports whether this one is it; if not, it
// returns the request id of the one that was.
func (d *providerData) claim(cause runWideCause, requestID string) (bool, string) {
	if d == nil {
		return true, ""
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if firstID, seen := d.firstOf[cause]; seen {
		return false, firstID
	}
	if d.firstOf == nil {
		d.firstOf = map[runWideCause]string{}
	}
	d.firstOf[cause] = requestID
	return true, ""
}

// unreachable reports whether err is a request that got no answer at all: a connection
// refused or reset, a name that does not resolve, a TLS failure, a timeout. Not an
// interruption, and not the client's own rate-limit queue.
func unreachable(err error) bool {
	var apiErr *pulseapi.Error
	var queue *pulseapi.QueueError
	var transport *url.Error
	return errors.As(err, &apiErr) && apiErr.StatusCode == 0 && !errors.Is(err, context.Canceled) &&
		!errors.As(err, &queue) && errors.As(apiErr.Err, &transport)
}

// unreachableHint says which URL was used, where it came from, and what to check.
func (d *providerData) unreachableHint() string {
	from := ""
	if d != nil && d.baseURLFrom != "" {
		from = " (" + d.baseURLFrom + ")"
	}
	return fmt.Sprintf("No answer came from the Pulse API at %s%s. Check that this is the server you meant "+
		"(base_url or environment in the provider block, PULSE_BASE_URL or PULSE_ENVIRONMENT in the environment), "+
		"that it is running (for the emulator: that pulse-emulator is still up, on that port), and that this "+
		"machine can reach it (VPN, firewall, proxy variables such as HTTPS_PROXY).", d.baseURL(), from)
}

func (d *providerData) baseURL() string {
	if d == nil || d.client == nil {
		return "the configured URL"
	}
	return pulseapi.SafeURL(d.client.BaseURL())
}

// accountOrDefault is the account a data source reads: the one configured, else the
// provider's.
func (d *providerData) accountOrDefault(ctx context.Context, configured types.String, diags *diag.Diagnostics) string {
	if id := configured.ValueString(); id != "" {
		return id
	}
	id, err := d.client.DefaultAccountID(ctx)
	if err != nil {
		d.addAPIError(diags, "Unable to determine the provider's Pulse account", err)
	}
	return id
}
