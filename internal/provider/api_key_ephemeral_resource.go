package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/pulsecrm/terraform-provider-pulse/internal/pulseapi"
)

// The bounds and default of an ephemeral key's ttl. The expiry is the backstop for a run that
// dies before Close: a day at most, and long enough that a plan or an apply finishes first.
const (
	ephemeralKeyDefaultTTL = time.Hour
	ephemeralKeyMinTTL     = 5 * time.Minute
	ephemeralKeyMaxTTL     = 24 * time.Hour

	ephemeralKeyDefaultDescription = "Ephemeral key opened by Terraform"
	// ephemeralKeyPrivateKey names, in the private data Terraform hands back to Close, the key
	// that Open created.
	ephemeralKeyPrivateKey = "api_key"
)

func NewAPIKeyEphemeralResource() ephemeral.EphemeralResource {
	return &apiKeyEphemeralResource{}
}

var (
	_ ephemeral.EphemeralResource              = &apiKeyEphemeralResource{}
	_ ephemeral.EphemeralResourceWithConfigure = &apiKeyEphemeralResource{}
	_ ephemeral.EphemeralResourceWithClose     = &apiKeyEphemeralResource{}
)

// apiKeyEphemeralResource is a key that lives for one Terraform run: Open creates it, with an
// expiry ttl ahead, and Close deletes it. Its secret is never in a plan or a state.
type apiKeyEphemeralResource struct {
	data *providerData
}

func (r *apiKeyEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_key"
}

func (r *apiKeyEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Pulse API key that lives for one Terraform run (Terraform 1.10 and later, OpenTofu " +
			"1.11 and later): a short-lived credential for a CI job, a migration, or a second provider " +
			"configuration with fewer permissions than the first.\n\n" +
			"Terraform opens it when the run needs it (in `plan` and again in `apply`): the provider creates a " +
			"key that expires `ttl` ahead, and deletes it when the run is done with it. Its `api_key` and " +
			"`api_secret` exist only in memory: they are never written to the state or to a saved plan. If the " +
			"run is killed before it can delete the key, the key stops working on its own at `expires_at`.\n\n" +
			"Permission names and the account are checked before the key is created, as for the " +
			"`pulse_api_key` resource. Needs `writeApiKeys` on the account.",
		Attributes: map[string]schema.Attribute{
			"account_id": schema.StringAttribute{
				MarkdownDescription: "The account the key lives on. Defaults to the provider's account (its `account_id`, " +
					"else the session's primary account).",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{accountIDValidator()},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "What the key is for, as Pulse shows it while it exists. Defaults to `" +
					ephemeralKeyDefaultDescription + "`.",
				Optional: true,
				Computed: true,
				Validators: []validator.String{
					notBlankValidator{hint: `say what the key is for, such as description = "nightly report", or leave it out`},
				},
			},
			"permissions": schema.SetAttribute{
				MarkdownDescription: "The permissions the key grants, such as `readData`: only what the run needs. At " +
					"least one; names are checked against the permissions grantable on the account (`pulse_permissions`).",
				ElementType: types.StringType,
				Required:    true,
				Validators:  permissionSetValidators(),
			},
			"ttl": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("How long the key works if it is not deleted first, as a Go duration "+
					"such as `30m` or `2h`: from %s to %s. Defaults to `%s`. Choose more than the run takes: the key "+
					"stops working at `expires_at` even if the run still uses it.",
					formatTTL(ephemeralKeyMinTTL), formatTTL(ephemeralKeyMaxTTL), formatTTL(ephemeralKeyDefaultTTL)),
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{ttlValidator{min: ephemeralKeyMinTTL, max: ephemeralKeyMaxTTL}},
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "The key's id in Pulse (digits).",
				Computed:            true,
			},
			"api_key": schema.StringAttribute{
				MarkdownDescription: "The key's public id (`apiKey-...`), used with `api_secret` to log in: for example " +
					"as a second `pulse` provider configuration's `api_key`.",
				Computed: true,
			},
			"api_secret": schema.StringAttribute{
				MarkdownDescription: "The key's secret. Sensitive, and ephemeral: it is never stored.",
				Computed:            true,
				Sensitive:           true,
			},
			"last_four_of_secret": schema.StringAttribute{
				MarkdownDescription: "The last four characters of the secret.",
				Computed:            true,
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the key stops working (RFC 3339): `ttl` after it was created.",
				Computed:            true,
			},
		},
	}
}

func (r *apiKeyEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *apiKeyEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	ctx = r.data.logContext(ctx)
	var model apiKeyEphemeralModel

	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}

	client := r.data.clientFor(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	accountID := r.data.accountOrDefault(ctx, model.AccountID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if model.TTL.IsNull() {
		model.TTL = types.StringValue(formatTTL(ephemeralKeyDefaultTTL))
	}
	ttl, err := time.ParseDuration(model.TTL.ValueString())
	if err != nil {
		// The schema's validator has refused it already, with its reason.
		resp.Diagnostics.AddAttributeError(path.Root("ttl"), "Invalid ttl", err.Error())
		return
	}
	if model.Description.IsNull() {
		model.Description = types.StringValue(ephemeralKeyDefaultDescription)
	}
	var permissions []string
	resp.Diagnostics.Append(model.Permissions.ElementsAs(ctx, &permissions, false)...)
	if resp.Diagnostics.HasError() {
		return
	}

	// The same checks as the resource's plan: a wrong name fails before any key exists.
	r.data.checkAccount(ctx, accountID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if grantable, ok := r.data.grantablePermissions(ctx, accountID, &resp.Diagnostics); ok {
		checkPermissionNames(accountID, permissions, grantable, &resp.Diagnostics)
	}
	if resp.Diagnostics.HasError() {
		return
	}

	// Whole seconds: the expiry reads the same in the API, the logs and the result.
	expiresAt := time.Now().Add(ttl).UTC().Truncate(time.Second)
	key, err := client.CreateAPIKey(ctx, accountID, pulseapi.APIKeyInput{
		Description: model.Description.ValueString(),
		Permissions: permissions,
		ExpiresAt:   &expiresAt,
	})
	var lost *pulseapi.CreateError
	if errors.Is(err, context.Canceled) || errors.As(err, &lost) {
		// Unlike a managed key's, an ephemeral key left by a create whose answer never came
		// needs no import: it expires.
		why := ""
		if errors.Is(err, context.Canceled) {
			why = " The run was interrupted (Ctrl-C, or a CI job's timeout) before Pulse answered."
		}
		resp.Diagnostics.AddError("Unable to create the ephemeral Pulse API key",
			fmt.Sprintf("%s.%s If Pulse created the key, it stops working on its own by %s; to delete it sooner, find "+
				"it on account %s with the pulse_api_keys data source, described %q.",
				err, why, expiresAt.Format(time.RFC3339), accountID, model.Description.ValueString()))
		return
	}
	if err != nil {
		r.data.addKeyError(ctx, &resp.Diagnostics, "create", accountID, err)
		return
	}
	tflog.Debug(ctx, "opened an ephemeral Pulse API key", map[string]any{
		"id": key.ID, "account_id": accountID, "expires_at": expiresAt.Format(time.RFC3339),
	})

	// Close needs to know which key to delete; it gets nothing else from Terraform.
	private, err := json.Marshal(ephemeralKeyPrivate{
		AccountID: accountID, ID: key.ID, APIKey: key.APIKey, CreatedAt: key.CreatedAt, ExpiresAt: expiresAt,
	})
	if err != nil {
		resp.Diagnostics.AddError("Unable to remember the ephemeral Pulse API key", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, ephemeralKeyPrivateKey, private)...)

	model.AccountID = types.StringValue(accountID)
	model.ID = types.StringValue(strconv.FormatInt(key.ID, 10))
	model.APIKey = types.StringValue(key.APIKey)
	model.APISecret = types.StringValue(key.Secret)
	model.LastFourOfSecret = types.StringValue(key.LastFourOfSecret)
	model.ExpiresAt = types.StringValue(expiresAt.Format(time.RFC3339))
	// Pulse's own reading of the expiry, where it answers one.
	if key.ExpiresAt != nil {
		model.ExpiresAt = expiryValue(*key.ExpiresAt)
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, &model)...)
}

// Close deletes the key Open created, and only that key. A key already gone (deleted by hand,
// or by an earlier Close that Terraform did not hear back from) is what Close wanted.
func (r *apiKeyEphemeralResource) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	ctx = r.data.logContext(ctx)

	raw, diags := req.Private.GetKey(ctx, ephemeralKeyPrivateKey)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || raw == nil {
		return
	}
	var key ephemeralKeyPrivate
	if err := json.Unmarshal(raw, &key); err != nil {
		resp.Diagnostics.AddError("Unable to read which ephemeral Pulse API key to delete",
			fmt.Sprintf("%s. The key expires on its own; find it with the pulse_api_keys data source to delete it sooner.", err))
		return
	}

	client := r.data.clientFor(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	// Deleted during the run, its id may already name another key, which is not ours to delete.
	ref := pulseapi.KeyRef{ID: key.ID, APIKey: key.APIKey, CreatedAt: key.CreatedAt}
	err := client.CheckAPIKey(ctx, key.AccountID, ref)
	if errors.Is(err, pulseapi.ErrKeyReplaced) {
		resp.Diagnostics.AddWarning("Ephemeral Pulse API key already gone; another key holds its id",
			fmt.Sprintf("%s. That key was left alone.", err))
		return
	}
	if err == nil {
		err = client.DeleteAPIKey(ctx, key.AccountID, key.ID)
	}
	switch {
	case err == nil:
		tflog.Debug(ctx, "closed an ephemeral Pulse API key", map[string]any{"id": key.ID, "account_id": key.AccountID})
	// Only Pulse's "API key not found" means gone: another 404 may mean "no access" while the
	// key still works.
	case errors.Is(err, pulseapi.ErrKeyNotFound):
		tflog.Debug(ctx, "the ephemeral Pulse API key was already deleted", map[string]any{"id": key.ID, "account_id": key.AccountID})
	default:
		addCloseError(&resp.Diagnostics, key, err)
	}
}

type apiKeyEphemeralModel struct {
	AccountID        types.String `tfsdk:"account_id"`
	Description      types.String `tfsdk:"description"`
	Permissions      types.Set    `tfsdk:"permissions"`
	TTL              types.String `tfsdk:"ttl"`
	ID               types.String `tfsdk:"id"`
	APIKey           types.String `tfsdk:"api_key"`
	APISecret        types.String `tfsdk:"api_secret"`
	LastFourOfSecret types.String `tfsdk:"last_four_of_secret"`
	ExpiresAt        types.String `tfsdk:"expires_at"`
}

// ephemeralKeyPrivate is what Open leaves for Close: which key (by id, and by what no other
// key can share: its public id and creation time), and when it expires anyway.
type ephemeralKeyPrivate struct {
	AccountID string    `json:"account_id"`
	ID        int64     `json:"id"`
	APIKey    string    `json:"api_key"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// addCloseError says that the key is left behind, until when, and how to remove it sooner.
func addCloseError(diags *diag.Diagnostics, key ephemeralKeyPrivate, err error) {
	what := fmt.Sprintf("API key %d on account %s was not deleted and keeps working until it expires at %s. "+
		"Delete it sooner in Pulse, or with `terraform import` of pulse_api_key %s/%d followed by a destroy.",
		key.ID, key.AccountID, key.ExpiresAt.Format(time.RFC3339), key.AccountID, key.ID)
	switch {
	case errors.Is(err, context.Canceled):
		diags.AddError("Unable to delete the ephemeral Pulse API key",
			fmt.Sprintf("%s. The run was interrupted before Pulse answered. %s", err, what))
	case pulseapi.IsForbidden(err):
		diags.AddError("Unable to delete the ephemeral Pulse API key",
			fmt.Sprintf("%s. The provider's credentials lost the writeApiKeys permission on account %s during the run. %s",
				err, key.AccountID, what))
	default:
		diags.AddError("Unable to delete the ephemeral Pulse API key", fmt.Sprintf("%s. %s", err, what))
	}
}

// formatTTL writes a duration without the zero units Go adds ("1h", not "1h0m0s").
func formatTTL(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
