package provider

import (
	"context"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/pulsecrm/terraform-provider-pulse/internal/pulseapi"
)

func NewAPIKeyListResource() list.ListResource {
	return &apiKeyListResource{}
}

var (
	_ list.ListResource              = &apiKeyListResource{}
	_ list.ListResourceWithConfigure = &apiKeyListResource{}
)

// apiKeyListResource finds the keys of an account for `terraform query` (Terraform 1.14+),
// which can write an import block and a resource block for each: bulk adoption.
type apiKeyListResource struct {
	data *providerData
}

func (r *apiKeyListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_key"
}

func (r *apiKeyListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds the API keys of one account, for `terraform query` (Terraform 1.14 and later): " +
			"each result is a key's identity (`account_id`, `id`) and its description, and with " +
			"`include_resource = true` the whole `pulse_api_key` resource, so that " +
			"`terraform query -generate-config-out=adopted.tf` writes an `import` block and a resource block for " +
			"every key found. One query lists the account once, whatever its size. Secrets are never returned: " +
			"an adopted key has none in state, as after any import.\n\n" +
			"The key the provider itself logs in with is left out unless `include_provider_key` is true, so that " +
			"adopting an account's keys does not put the provider's own credential under management, where a " +
			"`destroy` would delete it. Needs `writeApiKeys` on the account, as listing keys does.",
		Attributes: map[string]schema.Attribute{
			"account_id": schema.StringAttribute{
				MarkdownDescription: "The account whose keys to list. Defaults to the provider's account (its " +
					"`account_id`, else the session's primary account). Must be one of the session's accounts.",
				Optional:   true,
				Validators: []validator.String{accountIDValidator()},
			},
			"description_regex": schema.StringAttribute{
				MarkdownDescription: "Only keys whose description matches this [RE2 regular expression]" +
					"(https://github.com/google/re2/wiki/Syntax), anywhere unless anchored: `^ci-` for descriptions " +
					"starting with `ci-`, `(?i)reporting` for any containing `reporting` in any case.",
				Optional:   true,
				Validators: []validator.String{regexValidator{}},
			},
			"expired": schema.BoolAttribute{
				MarkdownDescription: "`true` for only the keys whose `expires_at` has passed, `false` for only those " +
					"still valid (never expiring, or expiring later). Unset: both.",
				Optional: true,
			},
			"include_provider_key": schema.BoolAttribute{
				MarkdownDescription: "Also return the key the provider logs in with (`api_key` in the provider block " +
					"or `PULSE_API_KEY`). Defaults to `false`.",
				Optional: true,
			},
		},
	}
}

func (r *apiKeyListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// List walks the account once, through the client's shared listing, and streams the keys
// that pass the filters.
func (r *apiKeyListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	ctx = r.data.logContext(ctx)
	var diags diag.Diagnostics
	var config apiKeyListModel

	diags.Append(req.Config.Get(ctx, &config)...)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}

	client := r.data.clientFor(&diags)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}

	accountID := r.data.accountOrDefault(ctx, config.AccountID, &diags)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	// An account out of reach is named as such, rather than as the 403 or 404 of its listing.
	r.data.checkAccount(ctx, accountID, &diags)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}

	keys, err := client.ListAPIKeys(ctx, accountID)
	if err != nil {
		r.data.addKeyError(ctx, &diags, "list", accountID, err)
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}

	var match *regexp.Regexp
	if pattern := config.DescriptionRegex.ValueString(); pattern != "" {
		// The schema's validator has already refused a bad pattern, with its reason.
		if match, err = regexp.Compile(pattern); err != nil {
			diags.AddAttributeError(path.Root("description_regex"), "Invalid regular expression", err.Error())
			stream.Results = list.ListResultsStreamDiagnostics(diags)
			return
		}
	}
	now := time.Now()
	found := make([]pulseapi.APIKey, 0, len(keys))
	for _, key := range keys {
		switch {
		case key.APIKey == r.data.config.APIKey && !config.IncludeProviderKey.ValueBool():
		case match != nil && !match.MatchString(key.Description):
		case !config.Expired.IsNull() && keyExpired(key, now) != config.Expired.ValueBool():
		default:
			found = append(found, key)
		}
	}
	tflog.Debug(ctx, "listed Pulse API keys for a query", map[string]any{
		"account_id": accountID, "listed": len(keys), "found": len(found),
	})

	stream.Results = func(push func(list.ListResult) bool) {
		for i, key := range found {
			if req.Limit > 0 && int64(i) >= req.Limit {
				return
			}
			if !push(r.result(ctx, req, accountID, key)) {
				return
			}
		}
	}
}

// result is one key as a query shows it: its identity and description, and the resource as
// a read after import would set it, so that generated configuration plans no change.
func (r *apiKeyListResource) result(ctx context.Context, req list.ListRequest, accountID string, key pulseapi.APIKey) list.ListResult {
	result := req.NewListResult(ctx)
	result.DisplayName = key.Description

	model := apiKeyModel{
		AccountID: types.StringValue(accountID),
		Keepers:   types.MapNull(types.StringType),
		APISecret: types.StringNull(),
	}
	result.Diagnostics.Append(model.fill(ctx, &key)...)
	result.Diagnostics.Append(result.Identity.Set(ctx, model.identity())...)
	if req.IncludeResource {
		result.Diagnostics.Append(result.Resource.Set(ctx, &model)...)
	}
	return result
}

type apiKeyListModel struct {
	AccountID          types.String `tfsdk:"account_id"`
	DescriptionRegex   types.String `tfsdk:"description_regex"`
	Expired            types.Bool   `tfsdk:"expired"`
	IncludeProviderKey types.Bool   `tfsdk:"include_provider_key"`
}

// keyExpired reports whether key has stopped working by now.
func keyExpired(key pulseapi.APIKey, now time.Time) bool {
	return key.ExpiresAt != nil && !now.Before(*key.ExpiresAt)
}
