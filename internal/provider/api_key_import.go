package provider

// What an import of pulse_api_key reads, and where it looks for a key that is not where the
// import said: the resource's ImportState is in api_key_resource.go.

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"

	"github.com/pulsecrm/terraform-provider-pulse/internal/pulseapi"
)

// importIDPattern accepts "<id>" and "<account_id>/<id>".
var importIDPattern = regexp.MustCompile(`^(?:([0-9]+)/)?([0-9]+)$`)

// parseImportID reads "<id>" or "<account_id>/<id>"; accountID is "" for the provider's account.
func parseImportID(raw string) (accountID string, id int64, ok bool) {
	m := importIDPattern.FindStringSubmatch(raw)
	if m == nil {
		return "", 0, false
	}
	id, err := strconv.ParseInt(m[2], 10, 64)
	return m[1], id, err == nil
}

// parseImportIdentity reads an import block's identity (Terraform 1.12+, OpenTofu 1.12+);
// accountID is "" for the provider's account.
func parseImportIdentity(ctx context.Context, raw *tfsdk.ResourceIdentity, diags *diag.Diagnostics) (accountID string, id int64, ok bool) {
	var identity apiKeyIdentityModel
	diags.Append(raw.Get(ctx, &identity)...)
	if diags.HasError() {
		return "", 0, false
	}
	accountID, text := identity.AccountID.ValueString(), identity.ID.ValueString()
	if !accountIDPattern.MatchString(text) {
		diags.AddAttributeError(path.Root("id"), "Invalid import identity",
			fmt.Sprintf("The identity's id is %q; it must be a Pulse key id, digits such as 42. Find a key's id with "+
				"the pulse_api_keys data source or a pulse_api_key list block.", text))
		return "", 0, false
	}
	if !identity.AccountID.IsNull() && !accountIDPattern.MatchString(accountID) {
		diags.AddAttributeError(path.Root("account_id"), "Invalid import identity",
			fmt.Sprintf("The identity's account_id is %q; it must be a Pulse account id, digits such as "+
				"6591739253089529, or be left out for the provider's account.", accountID))
		return "", 0, false
	}
	id, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		diags.AddAttributeError(path.Root("id"), "Invalid import identity",
			fmt.Sprintf("The key id %s is out of range: Pulse key ids fit in 64 bits. Find a key's id with the "+
				"pulse_api_keys data source.", text))
		return "", 0, false
	}
	return accountID, id, true
}

// findKeyElsewhere explains an import of a key that is not on accountID: it looks for the id
// on every other account of the session, and says how to import it from the one that has it,
// or that none does.
func (r *apiKeyResource) findKeyElsewhere(ctx context.Context, accountID string, named bool, id int64, accounts []string, diags *diag.Diagnostics) {
	var found []string
	var unsearched []string
	for _, other := range accounts {
		if other == accountID {
			continue
		}
		key, err := r.data.client.GetAPIKey(ctx, other, id)
		switch {
		case err == nil:
			found = append(found, fmt.Sprintf("account %s (%q): import it as %s/%d", other, key.Description, other, id))
		case errors.Is(err, context.Canceled):
			r.data.addKeyError(ctx, diags, "import", other, err)
			return
		case !errors.Is(err, pulseapi.ErrKeyNotFound):
			unsearched = append(unsearched, other)
		}
	}

	where := fmt.Sprintf("account %s, the provider's account, where an id without an account is looked for", accountID)
	switch {
	case named && !slices.Contains(accounts, accountID):
		where = fmt.Sprintf("account %s, which the provider's credentials cannot act on", accountID)
	case named:
		where = "account " + accountID
	}
	if len(found) > 0 {
		diags.AddError("Pulse API key on another account",
			fmt.Sprintf("Key %d is not on %s. It is on %s.", id, where, strings.Join(found, "; on ")))
		return
	}
	detail := fmt.Sprintf("Key %d is not on %s, nor on any other account the provider's credentials can act on (%s). "+
		"Check the id: the pulse_api_keys data source lists an account's keys.", id, where, strings.Join(accounts, ", "))
	if len(unsearched) > 0 {
		detail += fmt.Sprintf(" The keys of account(s) %s could not be listed (the credentials lack writeApiKeys "+
			"there, or Pulse did not answer), so it may be on one of those.", strings.Join(unsearched, ", "))
	}
	diags.AddError("Pulse API key not found", detail)
}
