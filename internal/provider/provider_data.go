package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

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
	// config is what client was made from: pulse_session logs in afresh with it, and
	// pulse_api_key's list leaves out the key it names.
	config pulseapi.Config
}

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

// addAPIError turns a client error into a diagnostic whose detail says what to do.
func addAPIError(diags *diag.Diagnostics, summary string, err error) {
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
		diags.AddError("Invalid Pulse provider configuration: account_id", detail)
	case pulseapi.IsUnauthorized(err):
		diags.AddError(summary, fmt.Sprintf("%s. Check the provider's credentials (api_key and api_secret, "+
			"or email and password, or their PULSE_* variables) and that they belong to this environment.", err))
	case pulseapi.IsForbidden(err):
		diags.AddError(summary, fmt.Sprintf("%s. The credentials are valid but lack a permission on this account: "+
			"ask an account administrator to grant it, or use credentials that have it.", err))
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

// accountOrDefault is the account a data source reads: the one configured, else the
// provider's.
func (d *providerData) accountOrDefault(ctx context.Context, configured types.String, diags *diag.Diagnostics) string {
	if id := configured.ValueString(); id != "" {
		return id
	}
	id, err := d.client.DefaultAccountID(ctx)
	if err != nil {
		addAPIError(diags, "Unable to determine the provider's Pulse account", err)
	}
	return id
}
