package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pulsecrm/terraform-provider-pulse/internal/pulseapi"
)

// The plan-time checks that ask the API, shared by the pulse_api_key resource and ephemeral
// resource, and the resource's keepers plan modifier.

// checkAccount refuses at plan time an account the credentials cannot act on, which Pulse
// would otherwise refuse half-way through an apply. The session is already at hand.
func checkAccount(ctx context.Context, client *pulseapi.Client, accountID string, diags *diag.Diagnostics) {
	session, err := client.Session(ctx)
	if err != nil {
		addAPIError(diags, "Unable to read the Pulse session", err)
		return
	}
	ids := session.AccountIDs()
	if slices.Contains(ids, accountID) {
		return
	}
	detail := fmt.Sprintf("account_id is %s, which is not one of the accounts the provider's credentials can act on (%s). "+
		"Use one of those, or credentials that belong to account %s.", accountID, strings.Join(ids, ", "), accountID)
	if client.AuthMethod() == "api_key" {
		detail += " " + keyScopeAdvice(accountID)
	}
	diags.AddAttributeError(path.Root("account_id"), "Account not available", detail)
}

// checkPermissionNames refuses, with a did-you-mean, a permission name the account cannot grant.
func checkPermissionNames(ctx context.Context, client *pulseapi.Client, accountID string, names []string, diags *diag.Diagnostics) {
	grantable, err := client.ListPermissions(ctx, accountID)
	if pulseapi.IsForbidden(err) {
		diags.AddAttributeWarning(path.Root("permissions"), "Permission names not checked",
			fmt.Sprintf("The provider's credentials may not list the permissions of account %s, so the names in "+
				"permissions were not checked at plan time; Pulse checks them when the key is written. (%s)", accountID, err))
		return
	}
	if err != nil {
		addAPIError(diags, "Unable to list the permissions of Pulse account "+accountID, err)
		return
	}

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

// keepersRequireReplace replaces the key when keepers change, except when an imported key
// (which has no keepers and no secret in state) adopts the keepers of its configuration.
func keepersRequireReplace() planmodifier.Map {
	return mapplanmodifier.RequiresReplaceIf(
		func(ctx context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
			var secret types.String
			resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("api_secret"), &secret)...)
			adopting := req.StateValue.IsNull() && secret.IsNull()
			// No keepers and an empty map of them mean the same: no rotation trigger.
			bothEmpty := len(req.StateValue.Elements()) == 0 && !req.PlanValue.IsUnknown() && len(req.PlanValue.Elements()) == 0
			resp.RequiresReplace = !adopting && !bothEmpty
		},
		"Changing keepers replaces the key, except when an imported key adopts them, or between none and an empty map.",
		"Changing `keepers` replaces the key, except when an imported key adopts them, or between none and an empty map.",
	)
}
