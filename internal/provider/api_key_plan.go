package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"

	"github.com/pulsecrm/terraform-provider-pulse/internal/pulseapi"
)

// The plan-time checks that ask the API, shared by the pulse_api_key resource, ephemeral
// resource and list resource, and the resource's keepers plan modifier.

// checkAccount refuses at plan time an account the credentials cannot act on, which Pulse
// would otherwise refuse half-way through an apply. The session is already at hand.
func (d *providerData) checkAccount(ctx context.Context, accountID string, diags *diag.Diagnostics) {
	session, err := d.client.Session(ctx)
	if err != nil {
		d.addAPIError(diags, "Unable to read the Pulse session", err)
		return
	}
	ids := session.AccountIDs()
	if slices.Contains(ids, accountID) {
		return
	}
	detail := fmt.Sprintf("account_id is %s, which is not one of the accounts the provider's credentials can act on (%s). "+
		"Use one of those, or credentials that belong to account %s.", accountID, strings.Join(ids, ", "), accountID)
	if d.client.AuthMethod() == "api_key" {
		detail += " " + keyScopeAdvice(accountID)
	}
	diags.AddAttributeError(path.Root("account_id"), "Account not available", detail)
}

// grantablePermissions lists what account can grant, which also tells whether the provider's
// credentials may write keys there: Pulse lists an account's permissions only to callers
// holding writeApiKeys on it. A refusal fails the plan, as the apply would fail on it; only
// when Pulse gives no answer at all does the plan go on, with a warning. ok is false when
// there is no list to check names against.
func (d *providerData) grantablePermissions(ctx context.Context, accountID string, diags *diag.Diagnostics) (grantable []pulseapi.Permission, ok bool) {
	grantable, err := d.client.ListPermissions(ctx, accountID)
	switch {
	case err == nil:
		return grantable, true
	case pulseapi.IsForbidden(err):
		diags.AddAttributeError(path.Root("account_id"), "Missing permission: writeApiKeys",
			fmt.Sprintf("Creating or changing this key needs the writeApiKeys permission on account %s, which the "+
				"provider's credentials lack there: Pulse refused to list the account's permissions (%s). Ask an "+
				"administrator of account %s to grant writeApiKeys, use credentials that have it, or put the key on "+
				"an account where they do.", accountID, err, accountID))
	case noAnswer(err):
		diags.AddAttributeWarning(path.Root("permissions"), "Permissions not checked",
			fmt.Sprintf("Pulse gave no answer when asked which permissions account %s grants (%s), so neither the "+
				"names in permissions nor the provider's right to write keys there (writeApiKeys) was checked at "+
				"plan time; Pulse checks both when the key is written.", accountID, err))
	default:
		d.addAPIError(diags, "Unable to list the permissions of Pulse account "+accountID, err)
	}
	return nil, false
}

// noAnswer reports an error that says nothing about the request itself: no answer at all, or
// a server error or rate limit that outlasted the retries.
func noAnswer(err error) bool {
	var apiErr *pulseapi.Error
	return unreachable(err) || (errors.As(err, &apiErr) && (apiErr.StatusCode >= 500 || apiErr.StatusCode == http.StatusTooManyRequests))
}

// checkPermissionNames refuses, with a did-you-mean, a permission name the account cannot grant.
func checkPermissionNames(accountID string, names []string, grantable []pulseapi.Permission, diags *diag.Diagnostics) {
	known := make([]string, 0, len(grantable))
	for _, p := range grantable {
		known = append(known, p.Name)
	}
	for _, name := range unknownNames(names, known) {
		detail := fmt.Sprintf("%q is not a permission that can be granted on account %s.", name, accountID)
		if matches := closeMatches(name, known); len(matches) > 0 {
			detail = fmt.Sprintf("%s: did you mean %s?", name, strings.Join(matches, " or "))
		} else {
			detail += " Grantable permissions: " + strings.Join(known, ", ") + "."
		}
		diags.AddAttributeError(path.Root("permissions"), "Unknown permission", detail)
	}
}

// keepersRequireReplace replaces the key when its keepers change from one set of values to
// another: that is a rotation. Adding keepers to a key that has none, or removing them all,
// starts or stops rotating and changes nothing in Pulse, so it is done in place, for keys
// Terraform created as for imported ones (an empty map counts as none).
func keepersRequireReplace() planmodifier.Map {
	return mapplanmodifier.RequiresReplaceIf(
		func(_ context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
			hadSome := len(req.StateValue.Elements()) > 0
			// A map unknown until apply may hold other values: with keepers in state, that is
			// a possible rotation, which only a replacement can carry out.
			hasSome := req.PlanValue.IsUnknown() || len(req.PlanValue.Elements()) > 0
			resp.RequiresReplace = hadSome && hasSome
		},
		"Changing a value of keepers replaces the key; adding keepers to a key without them, or removing them all, does not.",
		"Changing a value of `keepers` replaces the key; adding `keepers` to a key without them, or removing them all, does not.",
	)
}
