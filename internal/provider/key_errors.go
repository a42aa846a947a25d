package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/pulsecrm/terraform-provider-pulse/internal/pulseapi"
)

// addKeyError explains a failed key operation: which permission or which credentials Pulse
// wanted, on which account, and what to do. d may be nil (no client yet).
func (d *providerData) addKeyError(ctx context.Context, diags *diag.Diagnostics, action, accountID string, err error) {
	summary := fmt.Sprintf("Unable to %s Pulse API key", action)
	if action == "list" {
		summary = "Unable to list Pulse API keys"
	}
	var lost *pulseapi.CreateError
	switch {
	case errors.As(err, &lost):
		diags.AddError(summary, lostCreateDetail(lost))
	case errors.Is(err, pulseapi.ErrKeySessionRefused):
		detail := fmt.Sprintf("%s. ", err)
		if pulseapi.IsForbidden(err) {
			detail += fmt.Sprintf("Managing API keys needs the writeApiKeys permission on account %s; if the provider's "+
				"API key holds it, this Pulse build lets a key's session change only that key itself. ", accountID)
		}
		diags.AddError(summary, detail+adminAdvice(accountID))
	case errors.Is(err, pulseapi.ErrKeyStillListed):
		diags.AddError(summary, fmt.Sprintf("%s. Check that the provider's user administers account %s (its "+
			"accountAdmin in pulse_session), or manage the key from an account administrator's login.", err, accountID))
	case d.addReachError(ctx, diags, summary, accountID, err):
		// Added: the account is out of reach, which says more than a missing permission.
	case pulseapi.IsForbidden(err):
		diags.AddError(summary, fmt.Sprintf("%s. Managing API keys needs the writeApiKeys permission on account %s, "+
			"which the provider's credentials lack there: ask an administrator of that account to grant it, or use "+
			"credentials that have it.", err, accountID))
	default:
		d.addAPIError(diags, summary, err)
	}
}

// addReachError adds an error that says plainly that accountID is out of the credentials'
// reach, when Pulse refused a call on it (403, or a 404 other than "API key not found") and the
// session does not list it. It reports whether it did.
func (d *providerData) addReachError(ctx context.Context, diags *diag.Diagnostics, summary, accountID string, err error) bool {
	if !pulseapi.IsForbidden(err) && (!pulseapi.IsNotFound(err) || errors.Is(err, pulseapi.ErrKeyNotFound)) {
		return false
	}
	reach := d.outOfReach(ctx, accountID)
	if reach == "" {
		return false
	}
	diags.AddError(summary, fmt.Sprintf("%s. %s", err, reach))
	return true
}

// adminAdvice is what works on every Pulse build for managing keys.
func adminAdvice(accountID string) string {
	return fmt.Sprintf("Manage keys with the email and password of an administrator of account %s: set email and "+
		"password in the provider block (or PULSE_EMAIL and PULSE_PASSWORD) instead of api_key and api_secret.", accountID)
}

// lostCreateDetail explains a create whose answer was lost: what was found, and for each key
// made anyway, how to be rid of it. Nothing is deleted or adopted without the user.
func lostCreateDetail(lost *pulseapi.CreateError) string {
	var b strings.Builder
	b.WriteString(lost.Error() + ".")
	if errors.Is(lost, context.Canceled) {
		b.WriteString(" The run was interrupted (Ctrl-C, or a CI job's timeout) before Pulse answered.")
	}
	switch {
	case len(lost.Orphans) > 0:
		b.WriteString(" Nobody holds the secret of a key above, and it is not in the state. Either delete it in " +
			"Pulse (Settings → API Keys) and apply again, or take it over: terraform import <address> <import id>, " +
			"then terraform apply -replace=<address>, which makes a new key with a secret and deletes this one. " +
			"Import ids:")
		for _, k := range lost.Orphans {
			fmt.Fprintf(&b, " %s/%d", lost.AccountID, k.ID)
		}
		b.WriteString(".")
	case lost.CheckErr != nil:
		fmt.Fprintf(&b, " Before applying again, look for the key with the pulse_api_keys data source on account %s, "+
			"and import or delete it.", lost.AccountID)
	default:
		b.WriteString(" Apply again to create the key.")
	}
	return b.String()
}
