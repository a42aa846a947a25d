package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/pulsecrm/terraform-provider-pulse/internal/pulseapi"
)

func NewAPIKeyResource() resource.Resource {
	return &apiKeyResource{}
}

var (
	_ resource.Resource                   = &apiKeyResource{}
	_ resource.ResourceWithConfigure      = &apiKeyResource{}
	_ resource.ResourceWithModifyPlan     = &apiKeyResource{}
	_ resource.ResourceWithImportState    = &apiKeyResource{}
	_ resource.ResourceWithValidateConfig = &apiKeyResource{}
	_ resource.ResourceWithIdentity       = &apiKeyResource{}
)

type apiKeyResource struct {
	data *providerData
}

func (r *apiKeyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_key"
	// A rotation replaces the key in place, so its id, and with it the identity, changes in an
	// update: the plan keeps the prior identity and the apply returns the successor's.
	resp.ResourceBehavior = resource.ResourceBehavior{MutableIdentity: true}
}

func (r *apiKeyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Pulse API key: a credential that lives on one account and carries a fixed set of " +
			"permissions.\n\n" +
			"The key's secret is returned by the API **once**, when the key is created. The provider keeps it in " +
			"`api_secret` (sensitive) and never reads it again; it cannot be recovered later, and an imported key " +
			"has none. To get a new secret on a schedule, set `rotation`: a plan made once the key is due creates a new " +
			"key and secret in place, and the previous key keeps working for the overlap. For other triggers, change a " +
			"value in `keepers`, which replaces the key.\n\n" +
			"Creating, updating and deleting keys needs the `writeApiKeys` permission on the key's account. Some Pulse " +
			"builds let a session opened with an API key update or delete only that key itself, or reach only the " +
			"account the key was created on: the email and password of an account administrator manage keys on every " +
			"build (see the *Authentication* guide).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The key's id in Pulse (digits).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"account_id": schema.StringAttribute{
				MarkdownDescription: "The account the key lives on. Defaults to the provider's account (its `account_id`, " +
					"else the session's primary account). Changing it replaces the key.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{accountIDValidator()},
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.UseStateForUnknown(),
					stringplanmodifier.RequiresReplace(),
				},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "What the key is for. Updated in place.",
				Required:            true,
				Validators: []validator.String{
					notBlankValidator{hint: `say what the key is for, such as description = "CI deployer"`},
				},
			},
			"permissions": schema.SetAttribute{
				MarkdownDescription: "The permissions the key grants, such as `readApplications` or `writeApiKeys`. " +
					"At least one. Names are checked at plan time against the permissions grantable on the account " +
					"(`pulse_permissions`). A set: order does not matter, and a name listed twice counts once. " +
					"Updated in place.",
				ElementType: types.StringType,
				Required:    true,
				Validators:  permissionSetValidators(),
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the key stops working, in RFC 3339 (`2027-01-31T00:00:00Z`). Must be in the " +
					"future when set. Omit it for a key that never expires. Updated in place. With `rotation`, it is " +
					"set by the provider (`every` + `overlap` from the key's creation) and cannot be configured.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{rfc3339Validator{}},
			},
			"rotation": rotationAttribute(),
			"previous": previousAttribute(),
			"keepers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary values that, when any of them changes, replace the key, and so issue a " +
					"new secret: the rotation trigger (for example `time_rotating.this.id`). Not sent to Pulse. " +
					"Adding `keepers` to a key that has none (one created without them, or imported), or removing them " +
					"all, changes the key in place: only a change from one set of values to another replaces it.",
				ElementType:   types.StringType,
				Optional:      true,
				PlanModifiers: []planmodifier.Map{keepersRequireReplace()},
			},
			"api_key": schema.StringAttribute{
				MarkdownDescription: "The key's public id (`apiKey-...`), used with the secret to log in.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"api_secret": schema.StringAttribute{
				MarkdownDescription: "The key's secret, as the API returned it at creation. Sensitive; set once and kept " +
					"unchanged through updates and refreshes. Null for an imported key: Pulse never returns a secret again.",
				Computed:      true,
				Sensitive:     true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"last_four_of_secret": schema.StringAttribute{
				MarkdownDescription: "The last four characters of the secret: tells which secret is live without revealing it.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the key was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"updated_at": schema.StringAttribute{
				MarkdownDescription: "When the key was last changed (RFC 3339).",
				Computed:            true,
			},
		},
	}
}

// IdentitySchema names a key the way Terraform 1.12+ and OpenTofu 1.12+ import and list it:
// Pulse ids are unique only within an account, so the account is part of the identity.
func (r *apiKeyResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"account_id": identityschema.StringAttribute{
				Description:       "The account the key lives on (digits). When importing, defaults to the provider's account.",
				OptionalForImport: true,
			},
			"id": identityschema.StringAttribute{
				Description:       "The key's id in Pulse (digits).",
				RequiredForImport: true,
			},
		},
	}
}

func (r *apiKeyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan fills in the provider's account and checks what only the API can tell, so that
// a wrong permission name, a past expiry or credentials without writeApiKeys on the account
// fail the plan rather than the apply.
func (r *apiKeyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}

	creating := req.State.Raw.IsNull()
	// An unchanged key has nothing to check; at a thousand keys the conversions it skips are
	// a measurable part of a plan (see the Performance guide). Only a rotating key, or one
	// whose expiry was removed from the configuration, may change while its plan does not.
	if !creating && req.Plan.Raw.Equal(req.State.Raw) && !r.lifetimeMayChange(ctx, req) {
		return
	}

	var plan, state apiKeyModel
	var configExpiresAt types.String
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("expires_at"), &configExpiresAt)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !creating {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}

	// expires_at is computed only for a rotating key; for any other, what is configured.
	if configExpiresAt.IsNull() {
		switch {
		case plan.Rotation.IsNull():
			plan.ExpiresAt = types.StringNull()
		case creating || plan.Rotation.IsUnknown():
			plan.ExpiresAt = types.StringUnknown()
		default:
			plan.ExpiresAt = state.ExpiresAt
		}
	}
	if creating {
		plan.Previous = types.ObjectNull(previousAttrTypes)
	} else {
		r.planRotation(ctx, req, resp, &plan, &state)
		// The framework marks updated_at unknown only for a plan that differed from the state
		// before the lines above changed it.
		if !plan.equal(state) {
			plan.UpdatedAt = types.StringUnknown()
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	if resp.Diagnostics.HasError() || r.data == nil || r.data.client == nil {
		return
	}

	if plan.AccountID.IsUnknown() && creating {
		accountID, err := r.data.client.DefaultAccountID(ctx)
		if err != nil {
			r.data.addAPIError(&resp.Diagnostics, "Unable to determine the provider's Pulse account", err)
			return
		}
		plan.AccountID = types.StringValue(accountID)
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("account_id"), plan.AccountID)...)
	}

	if !configExpiresAt.IsNull() && !configExpiresAt.IsUnknown() && (creating || !configExpiresAt.Equal(state.ExpiresAt)) {
		if t, err := time.Parse(time.RFC3339, configExpiresAt.ValueString()); err == nil && !t.After(r.data.clock()) {
			resp.Diagnostics.AddAttributeError(path.Root("expires_at"), "Expiry in the past",
				fmt.Sprintf("expires_at is %s, which has already passed. Set a future time, or remove expires_at for a key that never expires.",
					plan.ExpiresAt.ValueString()))
		}
	}

	if plan.AccountID.IsUnknown() {
		return
	}
	accountChanged := creating || !plan.AccountID.Equal(state.AccountID)
	if accountChanged {
		r.data.checkAccount(ctx, plan.AccountID.ValueString(), &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	}

	// Every create or change needs writeApiKeys on the account; asking now fails the plan
	// rather than the apply. One request per account and run, which the names check reuses.
	grantable, ok := r.data.grantablePermissions(ctx, plan.AccountID.ValueString(), &resp.Diagnostics)
	if !ok {
		return
	}

	// Names are checked only when they or the account are new or changed.
	if plan.Permissions.IsUnknown() || (!accountChanged && plan.Permissions.Equal(state.Permissions)) {
		return
	}
	for _, name := range plan.Permissions.Elements() {
		// A name known only at apply is checked by Pulse then.
		if name.IsUnknown() {
			return
		}
	}
	var names []string
	resp.Diagnostics.Append(plan.Permissions.ElementsAs(ctx, &names, true)...)
	if resp.Diagnostics.HasError() {
		return
	}
	checkPermissionNames(plan.AccountID.ValueString(), names, grantable, &resp.Diagnostics)
}

func (r *apiKeyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	ctx = r.data.logContext(ctx)
	var plan apiKeyModel

	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}

	client := r.data.clientFor(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	// A rotating key is created with its backstop: no key outlives its period and overlap.
	s, rotating := plan.schedule(ctx)
	if rotating {
		plan.ExpiresAt = types.StringNull()
	}
	input := plan.input(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if rotating {
		backstop := r.data.clock().Add(s.every + s.overlap)
		input.ExpiresAt = &backstop
	}

	accountID := plan.AccountID.ValueString()
	key, err := client.CreateAPIKey(ctx, accountID, input)
	if err != nil {
		r.data.addKeyError(ctx, &resp.Diagnostics, "create", accountID, err)
		return
	}
	tflog.Debug(ctx, "created Pulse API key", map[string]any{"id": key.ID, "account_id": accountID})

	plan.APISecret = types.StringValue(key.Secret)
	resp.Diagnostics.Append(plan.fill(ctx, key)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

func (r *apiKeyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	ctx = r.data.logContext(ctx)
	var state apiKeyModel

	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	// With credentials not known yet there is nothing to compare against: keep the state.
	if r.data == nil || r.data.client == nil {
		return
	}

	ref := state.ref(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	key, err := r.data.client.FindAPIKey(ctx, state.AccountID.ValueString(), ref)
	if errors.Is(err, pulseapi.ErrKeyNotFound) {
		// Only a listing that started after this read, and whose pages added up, says so; an
		// id that now names another key means this one is gone too, and that key is not ours.
		tflog.Warn(ctx, "Pulse API key no longer exists; removing it from state", map[string]any{
			"id": ref.ID, "reason": err.Error(),
		})
		// The framework wants an identity after every read, a removal included; a CLI that
		// keeps none (Terraform before 1.12) sends none to start from.
		resp.Diagnostics.Append(setIdentityIfChanged(ctx, resp.Identity, state.identity())...)
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		r.data.addKeyError(ctx, &resp.Diagnostics, "read", state.AccountID.ValueString(), err)
		return
	}

	refreshed := state
	resp.Diagnostics.Append(refreshed.fill(ctx, key)...)
	if keyExpired(*key, r.data.clock()) {
		r.addExpiredWarning(ctx, &resp.Diagnostics, refreshed, *key.ExpiresAt)
	}
	// A key as the state already holds it needs no writing back (the response starts as the
	// prior state): in a refresh of many keys, that conversion is a large share of the
	// provider's own time.
	if !refreshed.equal(state) {
		resp.Diagnostics.Append(resp.State.Set(ctx, &refreshed)...)
	}
	// Also where a state written before identity existed, or imported by a string id, gets one.
	resp.Diagnostics.Append(setIdentityIfChanged(ctx, resp.Identity, refreshed.identity())...)
}

func (r *apiKeyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	ctx = r.data.logContext(ctx)
	var plan, state apiKeyModel

	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	client := r.data.clientFor(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	// The plan leaves the id unknown only for a due rotation.
	if plan.ID.IsUnknown() {
		r.rotate(ctx, client, plan, state, resp)
		return
	}

	accountID := state.AccountID.ValueString()
	ref := state.ref(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	// Adding or removing keepers changes nothing in Pulse.
	if !plan.Description.Equal(state.Description) || !plan.Permissions.Equal(state.Permissions) || !plan.ExpiresAt.Equal(state.ExpiresAt) {
		input := plan.input(ctx, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
		// The id may name another key by now (a reset server reuses ids): never change that one.
		if err := client.CheckAPIKey(ctx, accountID, ref); err != nil {
			r.data.addKeyError(ctx, &resp.Diagnostics, "update", accountID, err)
			return
		}
		if err := client.UpdateAPIKey(ctx, accountID, ref.ID, input); err != nil {
			r.data.addKeyError(ctx, &resp.Diagnostics, "update", accountID, err)
			return
		}
	}

	// PATCH answers only success: read the key back for the values the API sets.
	key, err := client.FindAPIKey(ctx, accountID, ref)
	if err != nil {
		r.data.addKeyError(ctx, &resp.Diagnostics, "read back", accountID, err)
		return
	}

	plan.APISecret = state.APISecret
	resp.Diagnostics.Append(plan.fill(ctx, key)...)

	retiring := plan.Previous.IsUnknown()
	previous, ok := r.settlePrevious(ctx, client, plan, state, &resp.Diagnostics)
	plan.Previous = previous
	if ok && retiring {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, retirePendingKey, nil)...)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

func (r *apiKeyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	ctx = r.data.logContext(ctx)
	var state apiKeyModel

	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	client := r.data.clientFor(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	accountID := state.AccountID.ValueString()
	ref := state.ref(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	// A destroy must never delete another configuration's key that was handed this key's id.
	err := client.CheckAPIKey(ctx, accountID, ref)
	if errors.Is(err, pulseapi.ErrKeyReplaced) {
		resp.Diagnostics.AddWarning("Pulse API key already gone; another key holds its id",
			fmt.Sprintf("%s. That key was left alone; this one is removed from the state.", err))
	}
	switch {
	case errors.Is(err, pulseapi.ErrKeyReplaced):
		err = nil
	case err == nil:
		err = client.DeleteAPIKey(ctx, accountID, ref.ID)
	}
	// Only Pulse's "API key not found" (or a listing without it) means gone: another 404
	// may mean "no access" while the key still works.
	if errors.Is(err, pulseapi.ErrKeyNotFound) {
		tflog.Debug(ctx, "Pulse API key was already deleted", map[string]any{"id": ref.ID})
		err = nil
	}
	if err != nil {
		r.data.addKeyError(ctx, &resp.Diagnostics, "delete", accountID, err)
		return
	}
	// A predecessor still in its overlap goes with its successor.
	if prev := state.previous(ctx); prev != nil {
		r.deleteKey(ctx, client, accountID, prev.ref(&resp.Diagnostics), &resp.Diagnostics)
	}
}

// ImportState takes a string id (`terraform import`, an import block's id) or an identity (an
// import block's identity, Terraform 1.12+ and OpenTofu 1.12+); Read then fills the rest.
func (r *apiKeyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	ctx = r.data.logContext(ctx)
	var (
		accountID string
		id        int64
		ok        bool
	)
	if req.ID != "" {
		accountID, id, ok = parseImportID(req.ID)
		if !ok {
			resp.Diagnostics.AddError("Invalid import ID",
				fmt.Sprintf("Expected <id> or <account_id>/<id>, both digits (such as 42 or 6591739253089529/42); got %q. "+
					"Find a key's id with the pulse_api_keys data source.", req.ID))
			return
		}
	} else {
		accountID, id, ok = parseImportIdentity(ctx, req.Identity, &resp.Diagnostics)
		if !ok {
			return
		}
	}
	named := accountID != ""

	client := r.data.clientFor(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	session, err := client.Session(ctx)
	if err != nil {
		r.data.addAPIError(&resp.Diagnostics, "Unable to read the Pulse session", err)
		return
	}
	if accountID == "" {
		if accountID, err = client.DefaultAccountID(ctx); err != nil {
			r.data.addAPIError(&resp.Diagnostics, "Unable to determine the provider's Pulse account", err)
			return
		}
	}

	// Looked up now, so that an id that is not there gets an answer saying where it is, rather
	// than the CLI's "non-existent remote object". The read that follows shares this listing.
	accounts := session.AccountIDs()
	if slices.Contains(accounts, accountID) {
		_, err = client.GetAPIKey(ctx, accountID, id)
		if err != nil && !errors.Is(err, pulseapi.ErrKeyNotFound) {
			r.data.addKeyError(ctx, &resp.Diagnostics, "import", accountID, err)
			return
		}
	}
	if !slices.Contains(accounts, accountID) || err != nil {
		r.findKeyElsewhere(ctx, accountID, named, id, accounts, &resp.Diagnostics)
		return
	}

	identity := apiKeyIdentityModel{AccountID: types.StringValue(accountID), ID: types.StringValue(strconv.FormatInt(id, 10))}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), identity.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("account_id"), identity.AccountID)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, identity)...)
}

type apiKeyModel struct {
	ID               types.String `tfsdk:"id"`
	AccountID        types.String `tfsdk:"account_id"`
	Description      types.String `tfsdk:"description"`
	Permissions      types.Set    `tfsdk:"permissions"`
	ExpiresAt        types.String `tfsdk:"expires_at"`
	Keepers          types.Map    `tfsdk:"keepers"`
	APIKey           types.String `tfsdk:"api_key"`
	APISecret        types.String `tfsdk:"api_secret"`
	LastFourOfSecret types.String `tfsdk:"last_four_of_secret"`
	CreatedAt        types.String `tfsdk:"created_at"`
	UpdatedAt        types.String `tfsdk:"updated_at"`
	Rotation         types.Object `tfsdk:"rotation"`
	Previous         types.Object `tfsdk:"previous"`
}

// apiKeyIdentityModel is the key's resource identity.
type apiKeyIdentityModel struct {
	AccountID types.String `tfsdk:"account_id"`
	ID        types.String `tfsdk:"id"`
}

func (m apiKeyModel) identity() apiKeyIdentityModel {
	return apiKeyIdentityModel{AccountID: m.AccountID, ID: m.ID}
}

// setIdentityIfChanged writes the identity only when it differs from what the response
// already holds, sparing a conversion per key in a large refresh.
func setIdentityIfChanged(ctx context.Context, current *tfsdk.ResourceIdentity, want apiKeyIdentityModel) diag.Diagnostics {
	var held apiKeyIdentityModel
	if diags := current.Get(ctx, &held); !diags.HasError() && held.AccountID.Equal(want.AccountID) && held.ID.Equal(want.ID) {
		return nil
	}
	return current.Set(ctx, want)
}

// ref names the key in state for its whole life: its id, with the public api_key and creation
// time when the state has them (ids may be handed to another key; these never change).
func (m apiKeyModel) ref(diags *diag.Diagnostics) pulseapi.KeyRef {
	id, err := strconv.ParseInt(m.ID.ValueString(), 10, 64)
	if err != nil {
		diags.AddAttributeError(path.Root("id"), "Invalid API key id in state",
			fmt.Sprintf("The state holds id %q, which is not a Pulse key id. Remove the resource from state "+
				"(terraform state rm) and import it again.", m.ID.ValueString()))
		return pulseapi.KeyRef{}
	}
	ref := pulseapi.KeyRef{ID: id, APIKey: m.APIKey.ValueString()}
	if t, err := time.Parse(time.RFC3339, m.CreatedAt.ValueString()); err == nil {
		ref.CreatedAt = t
	}
	return ref
}

// input is the API body for the planned key.
func (m apiKeyModel) input(ctx context.Context, diags *diag.Diagnostics) pulseapi.APIKeyInput {
	in := pulseapi.APIKeyInput{Description: m.Description.ValueString()}
	diags.Append(m.Permissions.ElementsAs(ctx, &in.Permissions, false)...)
	if !m.ExpiresAt.IsNull() {
		t, err := time.Parse(time.RFC3339, m.ExpiresAt.ValueString())
		if err != nil {
			diags.AddAttributeError(path.Root("expires_at"), "Invalid expiry", err.Error())
			return in
		}
		in.ExpiresAt = &t
	}
	return in
}

// fill sets what the API says of the key. Values the user wrote that mean the same as the
// API's (an expiry in another offset or precision) are kept as written, so that a plan that
// changes nothing shows nothing.
func (m *apiKeyModel) fill(ctx context.Context, key *pulseapi.APIKey) diag.Diagnostics {
	m.ID = types.StringValue(strconv.FormatInt(key.ID, 10))
	m.Description = types.StringValue(key.Description)
	m.APIKey = types.StringValue(key.APIKey)
	m.LastFourOfSecret = types.StringValue(key.LastFourOfSecret)
	m.CreatedAt = timeValue(key.CreatedAt)
	m.UpdatedAt = timeValue(key.UpdatedAt)

	switch {
	case key.ExpiresAt == nil:
		m.ExpiresAt = types.StringNull()
	case !sameInstant(m.ExpiresAt, *key.ExpiresAt):
		m.ExpiresAt = expiryValue(*key.ExpiresAt)
	}

	permissions, diags := types.SetValueFrom(ctx, types.StringType, key.Permissions)
	m.Permissions = permissions
	return diags
}

// equal reports whether two models hold the same values.
func (m apiKeyModel) equal(o apiKeyModel) bool {
	return m.ID.Equal(o.ID) && m.AccountID.Equal(o.AccountID) && m.Description.Equal(o.Description) &&
		m.Permissions.Equal(o.Permissions) && m.ExpiresAt.Equal(o.ExpiresAt) && m.Keepers.Equal(o.Keepers) &&
		m.APIKey.Equal(o.APIKey) && m.APISecret.Equal(o.APISecret) && m.LastFourOfSecret.Equal(o.LastFourOfSecret) &&
		m.CreatedAt.Equal(o.CreatedAt) && m.UpdatedAt.Equal(o.UpdatedAt) && m.Rotation.Equal(o.Rotation) &&
		m.Previous.Equal(o.Previous)
}

// sameInstant reports whether an RFC 3339 string names the time t, to the millisecond: Pulse
// keeps no finer precision, so a configured 12:00:00.0001Z comes back as 12:00:00Z.
func sameInstant(v types.String, t time.Time) bool {
	if v.IsNull() || v.IsUnknown() {
		return false
	}
	parsed, err := time.Parse(time.RFC3339, v.ValueString())
	return err == nil && parsed.Truncate(time.Millisecond).Equal(t.Truncate(time.Millisecond))
}
