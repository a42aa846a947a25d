package provider

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/pulsecrm/terraform-provider-pulse/internal/pulseapi"
)

// Rotation with an overlap: the plan decides when a rotation is due, Update creates the
// successor and retires the predecessor by Pulse's own expiry, and `previous` keeps the
// predecessor in view until the next apply after its overlap deletes it.

// retirePendingKey is the private-state key that marks a predecessor whose retirement failed
// after its successor was created: only the next apply can tell it from one that was retired.
const retirePendingKey = "retire_pending"

func rotationAttribute() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		MarkdownDescription: "Rotate the key on a schedule, with an overlap. A plan made `every` after the key was " +
			"created plans a rotation: the apply creates a new key and secret (so `id`, `api_key`, `api_secret` and " +
			"`last_four_of_secret` change in that apply, and resources that read the secret follow), and the " +
			"previous key keeps working for `overlap`, after which Pulse itself refuses it. A rotating key is created " +
			"with `expires_at` set to `every` + `overlap` from its creation, so that no key outlives its period if " +
			"no one applies. Cannot be set with `expires_at`.",
		Optional: true,
		Attributes: map[string]schema.Attribute{
			"every": schema.StringAttribute{
				MarkdownDescription: "How long each key is used before a rotation is due: a Go duration such as " +
					"`720h` (30 days) or `90m`. More than zero.",
				Required:   true,
				Validators: []validator.String{durationValidator{positive: true, example: `every = "720h"`}},
			},
			"overlap": schema.StringAttribute{
				MarkdownDescription: "How long the previous key keeps working after a rotation, so that every " +
					"consumer of the secret can switch: a Go duration such as `72h`, less than `every`; `0s` deletes " +
					"the previous key as soon as its successor exists, and any other value is at least `1s` (a " +
					"shorter one would have passed before Pulse received it).",
				Required:   true,
				Validators: []validator.String{durationValidator{example: `overlap = "72h"`, minNonZero: time.Second}},
			},
		},
	}
}

func previousAttribute() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		MarkdownDescription: "The key this one replaced at its last rotation, while it is still in Pulse: it keeps " +
			"working until its `expires_at`, and the first apply after that deletes it. Null when there is none.",
		Computed:      true,
		PlanModifiers: []planmodifier.Object{objectplanmodifier.UseStateForUnknown()},
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The previous key's id in Pulse.",
				Computed:            true,
			},
			"api_key": schema.StringAttribute{
				MarkdownDescription: "The previous key's public id (`apiKey-...`).",
				Computed:            true,
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the previous key stops working (RFC 3339).",
				Computed:            true,
			},
		},
	}
}

type rotationModel struct {
	Every   types.String `tfsdk:"every"`
	Overlap types.String `tfsdk:"overlap"`
}

type previousKeyModel struct {
	ID        types.String `tfsdk:"id"`
	APIKey    types.String `tfsdk:"api_key"`
	ExpiresAt types.String `tfsdk:"expires_at"`
}

var rotationAttrTypes = map[string]attr.Type{
	"every":   types.StringType,
	"overlap": types.StringType,
}

var previousAttrTypes = map[string]attr.Type{
	"id":         types.StringType,
	"api_key":    types.StringType,
	"expires_at": types.StringType,
}

func previousValue(p *previousKeyModel) types.Object {
	if p == nil {
		return types.ObjectNull(previousAttrTypes)
	}
	return types.ObjectValueMust(previousAttrTypes, map[string]attr.Value{
		"id": p.ID, "api_key": p.APIKey, "expires_at": p.ExpiresAt,
	})
}

// schedule is a rotation as durations.
type schedule struct {
	every, overlap time.Duration
}

// schedule returns the key's rotation, and false when it has none or it is not known yet.
// The values were validated at plan time.
func (m apiKeyModel) schedule(ctx context.Context) (schedule, bool) {
	if m.Rotation.IsNull() || m.Rotation.IsUnknown() {
		return schedule{}, false
	}
	var r rotationModel
	if diags := m.Rotation.As(ctx, &r, objectAsOptions); diags.HasError() || r.Every.IsUnknown() || r.Overlap.IsUnknown() {
		return schedule{}, false
	}
	every, err1 := time.ParseDuration(r.Every.ValueString())
	overlap, err2 := time.ParseDuration(r.Overlap.ValueString())
	if err1 != nil || err2 != nil {
		return schedule{}, false
	}
	return schedule{every: every, overlap: overlap}, true
}

// previous returns the predecessor in the model, or nil.
func (m apiKeyModel) previous(ctx context.Context) *previousKeyModel {
	if m.Previous.IsNull() || m.Previous.IsUnknown() {
		return nil
	}
	var p previousKeyModel
	if diags := m.Previous.As(ctx, &p, objectAsOptions); diags.HasError() {
		return nil
	}
	return &p
}

func (p previousKeyModel) ref(diags *diag.Diagnostics) pulseapi.KeyRef {
	return apiKeyModel{ID: p.ID, APIKey: p.APIKey}.ref(diags)
}

// validateRotation checks what the attribute validators cannot: how every and overlap relate,
// and that rotation and expires_at are not both set.
func (r *apiKeyResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config apiKeyModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() || config.Rotation.IsNull() || config.Rotation.IsUnknown() {
		return
	}
	if !config.ExpiresAt.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("expires_at"), "expires_at set with rotation",
			"A rotating key's expiry is set by its rotation (every + overlap from its creation), so expires_at and "+
				"rotation cannot both be set. Remove expires_at, or remove rotation for a key with a fixed expiry.")
		return
	}
	s, ok := config.schedule(ctx)
	if ok && s.every > 0 && s.overlap >= 0 && s.overlap >= s.every {
		resp.Diagnostics.AddAttributeError(path.Root("rotation").AtName("overlap"), "Overlap not shorter than every",
			fmt.Sprintf("rotation.overlap is %s, which is not less than rotation.every (%s): a key would still be in "+
				"its overlap when the next rotation is due. Use an overlap shorter than the period, such as "+
				`every = "720h" with overlap = "72h".`, s.overlap, s.every))
		return
	}
	// The backstop is every + overlap from now: a sum past the longest Go duration (about 292
	// years) would wrap to an expiry in the past, which Pulse refuses only at apply.
	if ok && s.every > 0 && s.overlap >= 0 && s.every > math.MaxInt64-s.overlap {
		resp.Diagnostics.AddAttributeError(path.Root("rotation").AtName("every"), "Rotation too long",
			fmt.Sprintf("rotation.every plus rotation.overlap is too long (%s plus %s): a rotating key's expiry is "+
				"every + overlap from its creation, and must be within about 292 years (2562047h). Use a shorter "+
				`period, such as every = "720h" with overlap = "72h".`, s.every, s.overlap))
	}
}

// planRotation completes the plan of an existing key: its expiry when rotation sets it, a
// rotation when one is due, and what happens to the predecessor. It reports whether a
// rotation is planned.
func (r *apiKeyResource) planRotation(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, plan, state *apiKeyModel) bool {
	now := r.data.clock()
	s, rotating := plan.schedule(ctx)
	if rotating {
		if created, err := time.Parse(time.RFC3339, state.CreatedAt.ValueString()); err == nil {
			due := created.Add(s.every)
			if now.Before(due) {
				rotating = false
				// Keep the backstop the key has, unless the schedule is new or changed.
				if !plan.Rotation.Equal(state.Rotation) {
					plan.ExpiresAt = timeValue(created.Add(s.every + s.overlap))
				}
			} else if prev := state.previous(ctx); prev != nil && predecessorInOverlap(ctx, req, prev, now) {
				// every shortened since the last rotation: rotating now would delete the
				// predecessor before its overlap ends. The rotation waits for it.
				rotating = false
				resp.Diagnostics.AddAttributeWarning(path.Root("rotation"), "Pulse API key rotation postponed",
					fmt.Sprintf("Key %s (%s): rotation due since %s, but the key it replaced (%s) is in its overlap "+
						"until %s. The first apply after that rotates it.", state.ID.ValueString(),
						state.APIKey.ValueString(), due.UTC().Format(time.RFC3339), prev.ID.ValueString(),
						prev.ExpiresAt.ValueString()))
			} else {
				stays := "its successor exists, then it is deleted (overlap 0s)"
				if s.overlap > 0 {
					stays = now.Add(s.overlap).UTC().Format(time.RFC3339) + " (overlap " + s.overlap.String() + ")"
				}
				resp.Diagnostics.AddAttributeWarning(path.Root("rotation"), "Pulse API key rotation due",
					fmt.Sprintf("Key %s (%s): rotation due since %s; the current key stays valid until %s. This apply "+
						"creates a new key and secret; resources that read api_secret get the new one in the same apply.",
						state.ID.ValueString(), state.APIKey.ValueString(), due.UTC().Format(time.RFC3339), stays))
			}
		}
	}

	if rotating {
		for _, v := range []*types.String{&plan.ID, &plan.APIKey, &plan.APISecret, &plan.LastFourOfSecret,
			&plan.CreatedAt, &plan.UpdatedAt, &plan.ExpiresAt} {
			*v = types.StringUnknown()
		}
		plan.Previous = types.ObjectUnknown(previousAttrTypes)
		return true
	}

	prev := state.previous(ctx)
	if prev == nil {
		return false
	}
	pending, diags := req.Private.GetKey(ctx, retirePendingKey)
	resp.Diagnostics.Append(diags...)
	expires, err := time.Parse(time.RFC3339, prev.ExpiresAt.ValueString())
	switch {
	case len(pending) > 0:
		plan.Previous = types.ObjectUnknown(previousAttrTypes)
		resp.Diagnostics.AddAttributeWarning(path.Root("previous"), "Previous Pulse API key not retired yet",
			fmt.Sprintf("Key %s, which key %s replaced, could not be retired when it was replaced and is still fully "+
				"valid. This apply retires it.", prev.ID.ValueString(), state.ID.ValueString()))
	case err != nil || !now.Before(expires):
		// Its overlap has ended: this apply deletes it.
		plan.Previous = types.ObjectNull(previousAttrTypes)
	}
	return false
}

// predecessorInOverlap reports whether a predecessor was retired and still works: one whose
// retirement failed (retire pending) was never given an overlap, and may go.
func predecessorInOverlap(ctx context.Context, req resource.ModifyPlanRequest, prev *previousKeyModel, now time.Time) bool {
	if pending, diags := req.Private.GetKey(ctx, retirePendingKey); diags.HasError() || len(pending) > 0 {
		return false
	}
	expires, err := time.Parse(time.RFC3339, prev.ExpiresAt.ValueString())
	return err == nil && now.Before(expires)
}

// rotate carries out a planned rotation: it creates the successor, then retires the
// predecessor. If the retirement fails, the successor is saved with the predecessor still in
// previous, and the next apply retires it: no secret is ever lost from the state.
func (r *apiKeyResource) rotate(ctx context.Context, client *pulseapi.Client, plan, state apiKeyModel, resp *resource.UpdateResponse) {
	accountID := state.AccountID.ValueString()
	s, _ := plan.schedule(ctx)

	// A predecessor from the rotation before has ended its overlap (overlap < every): it goes
	// first, so that a failure here changes nothing but the deletion of an expired key.
	if prev := state.previous(ctx); prev != nil {
		if !r.deleteKey(ctx, client, accountID, prev.ref(&resp.Diagnostics), &resp.Diagnostics) {
			return
		}
	}

	now := r.data.clock()
	next := plan
	next.ExpiresAt = types.StringNull() // unknown in the plan: the backstop is set here
	input := next.input(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	backstop := now.Add(s.every + s.overlap)
	input.ExpiresAt = &backstop
	key, err := client.CreateAPIKey(ctx, accountID, input)
	if err != nil {
		r.data.addKeyError(ctx, &resp.Diagnostics, "create the successor of", accountID, err)
		return
	}
	tflog.Debug(ctx, "created the successor of a rotating Pulse API key", map[string]any{
		"id": key.ID, "predecessor": state.ID.ValueString(), "account_id": accountID,
	})

	next.APISecret = types.StringValue(key.Secret)
	resp.Diagnostics.Append(next.fill(ctx, key)...)

	predecessor := previousKeyModel{ID: state.ID, APIKey: state.APIKey, ExpiresAt: state.ExpiresAt}
	retired, err := r.retireKey(ctx, client, accountID, predecessor.ref(&resp.Diagnostics), s.overlap)
	if err != nil {
		next.Previous = previousValue(&predecessor)
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, retirePendingKey, []byte(`true`))...)
		resp.Diagnostics.Append(resp.State.Set(ctx, &next)...)
		resp.Diagnostics.Append(resp.Identity.Set(ctx, next.identity())...)
		r.addRetireError(ctx, &resp.Diagnostics, accountID, next, predecessor, err)
		return
	}
	next.Previous = previousValue(retired)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, retirePendingKey, nil)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &next)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, next.identity())...)
}

// settlePrevious does what the plan decided for the predecessor of a key that is not
// rotating: retire one whose retirement failed, or delete one whose overlap has ended.
// It returns the predecessor to keep in state, and false when it failed.
func (r *apiKeyResource) settlePrevious(ctx context.Context, client *pulseapi.Client, plan, state apiKeyModel, diags *diag.Diagnostics) (types.Object, bool) {
	prev := state.previous(ctx)
	accountID := state.AccountID.ValueString()
	switch {
	case prev == nil:
		return types.ObjectNull(previousAttrTypes), true
	case plan.Previous.IsUnknown():
		s, ok := plan.schedule(ctx)
		if !ok {
			s = schedule{} // rotation removed: nothing asks to keep it any longer
		}
		retired, err := r.retireKey(ctx, client, accountID, prev.ref(diags), s.overlap)
		if err != nil {
			r.addRetireError(ctx, diags, accountID, plan, *prev, err)
			return state.Previous, false
		}
		return previousValue(retired), true
	case plan.Previous.IsNull():
		if !r.deleteKey(ctx, client, accountID, prev.ref(diags), diags) {
			return state.Previous, false
		}
		return types.ObjectNull(previousAttrTypes), true
	}
	return state.Previous, true
}

// retireKey ends a predecessor's life: Pulse expires it after overlap (a PATCH, which replaces
// the whole key, so its description and permissions are sent as they are), or it is deleted
// at once for an overlap of 0s or a key already expired. It returns the predecessor to keep
// in state, nil when it is gone.
func (r *apiKeyResource) retireKey(ctx context.Context, client *pulseapi.Client, accountID string, ref pulseapi.KeyRef, overlap time.Duration) (*previousKeyModel, error) {
	// The lookup also makes sure the id still names this key (a reset server reuses ids).
	key, err := client.FindAPIKey(ctx, accountID, ref)
	if errors.Is(err, pulseapi.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := r.data.clock()
	if overlap == 0 || (key.ExpiresAt != nil && !now.Before(*key.ExpiresAt)) {
		err := client.DeleteAPIKey(ctx, accountID, key.ID)
		if errors.Is(err, pulseapi.ErrKeyNotFound) {
			err = nil
		}
		return nil, err
	}
	// A late rotation still gives the predecessor its whole overlap, past its backstop.
	expires := now.Add(overlap)
	input := pulseapi.APIKeyInput{Description: key.Description, Permissions: key.Permissions, ExpiresAt: &expires}
	if err := client.UpdateAPIKey(ctx, accountID, key.ID, input); err != nil {
		// Deleted since the lookup: gone is what retiring it wanted.
		if errors.Is(err, pulseapi.ErrKeyNotFound) {
			return nil, nil
		}
		return nil, err
	}
	return &previousKeyModel{
		ID:        types.StringValue(fmt.Sprint(key.ID)),
		APIKey:    types.StringValue(key.APIKey),
		ExpiresAt: timeValue(expires),
	}, nil
}

// deleteKey deletes a predecessor, and reports whether it is gone. One that is already gone,
// or whose id now names another key, needs nothing.
func (r *apiKeyResource) deleteKey(ctx context.Context, client *pulseapi.Client, accountID string, ref pulseapi.KeyRef, diags *diag.Diagnostics) bool {
	if diags.HasError() {
		return false
	}
	err := client.CheckAPIKey(ctx, accountID, ref)
	if errors.Is(err, pulseapi.ErrKeyReplaced) || errors.Is(err, pulseapi.ErrKeyNotFound) {
		return true
	}
	if err == nil {
		err = client.DeleteAPIKey(ctx, accountID, ref.ID)
	}
	if err != nil && !errors.Is(err, pulseapi.ErrKeyNotFound) {
		r.data.addKeyError(ctx, diags, "delete the previous", accountID, err)
		return false
	}
	tflog.Debug(ctx, "deleted the predecessor of a rotating Pulse API key", map[string]any{"id": ref.ID})
	return true
}

// addRetireError says that the predecessor outlives a failed retirement, and that nothing is
// lost: the successor, with its secret, is in the state.
func (r *apiKeyResource) addRetireError(ctx context.Context, diags *diag.Diagnostics, accountID string, current apiKeyModel, prev previousKeyModel, err error) {
	var cause diag.Diagnostics
	r.data.addKeyError(ctx, &cause, "retire the previous", accountID, err)
	detail := err.Error()
	for _, d := range cause.Errors() {
		detail = d.Detail()
	}
	until := "it never expires"
	if !prev.ExpiresAt.IsNull() {
		until = "until " + prev.ExpiresAt.ValueString()
	}
	diags.AddError("Previous Pulse API key not retired",
		fmt.Sprintf("The new key %s (%s) was created and is saved in the state with its secret. The previous key %s "+
			"(%s) could not be retired and is still fully valid (%s): the next apply retires it. %s",
			current.ID.ValueString(), current.APIKey.ValueString(), prev.ID.ValueString(), prev.APIKey.ValueString(),
			until, detail))
}

var _ validator.String = durationValidator{}

// durationValidator accepts a Go duration (720h, 90m, 30s): zero or more, or more than zero.
type durationValidator struct {
	positive bool
	example  string // a valid setting, such as every = "720h"
	// minNonZero is the shortest duration other than zero: an overlap is an expiry sent to
	// Pulse, and one shorter than a request takes is already past when it arrives, so Pulse
	// refuses it and the predecessor cannot be retired.
	minNonZero time.Duration
}

func (v durationValidator) Description(_ context.Context) string {
	if v.positive {
		return "value must be a Go duration greater than zero, such as 720h or 90m"
	}
	return "value must be a Go duration of zero or more, such as 72h or 0s"
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	value := req.ConfigValue.ValueString()
	d, err := time.ParseDuration(value)
	switch {
	case err != nil:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%s is %q, which is not a duration. Write a number and a unit (h, m or s), such as %s; "+
				"30 days is 720h.", req.Path, value, v.example))
	case v.positive && d <= 0:
		resp.Diagnostics.AddAttributeError(req.Path, "Duration not positive",
			fmt.Sprintf("%s is %q: it must be more than zero, such as %s.", req.Path, value, v.example))
	case d < 0:
		resp.Diagnostics.AddAttributeError(req.Path, "Negative duration",
			fmt.Sprintf("%s is %q: it must be zero or more, such as %s.", req.Path, value, v.example))
	case d > 0 && d < v.minNonZero:
		resp.Diagnostics.AddAttributeError(req.Path, "Duration too short",
			fmt.Sprintf(`%s is %q: it must be 0s (%s = "0s" deletes at once) or at least %s, such as %s.`,
				req.Path, value, req.Path.Steps()[len(req.Path.Steps())-1], v.minNonZero, v.example))
	}
}

var objectAsOptions = basetypes.ObjectAsOptions{}

// lifetimeMayChange reports whether a key whose plan equals its state may still need a
// change: one with a rotation or a predecessor (time, not the configuration, moves those), or
// one whose configured expiry was removed (the CLI proposes the computed value it had).
func (r *apiKeyResource) lifetimeMayChange(ctx context.Context, req resource.ModifyPlanRequest) bool {
	var rotation, previous types.Object
	var stateExpiresAt, configExpiresAt types.String
	var diags diag.Diagnostics
	diags.Append(req.State.GetAttribute(ctx, path.Root("rotation"), &rotation)...)
	diags.Append(req.State.GetAttribute(ctx, path.Root("previous"), &previous)...)
	diags.Append(req.State.GetAttribute(ctx, path.Root("expires_at"), &stateExpiresAt)...)
	diags.Append(req.Config.GetAttribute(ctx, path.Root("expires_at"), &configExpiresAt)...)
	return diags.HasError() || !rotation.IsNull() || !previous.IsNull() ||
		(configExpiresAt.IsNull() && !stateExpiresAt.IsNull())
}

// addExpiredWarning names a key Pulse no longer accepts, and what brings it back: a rotating
// key's plan already rotates it; any other needs a new expiry or a new key.
func (r *apiKeyResource) addExpiredWarning(ctx context.Context, diags *diag.Diagnostics, m apiKeyModel, expiredAt time.Time) {
	what := "Set expires_at to a later time, or remove it, and apply; or make a new key and secret with " +
		"terraform apply -replace=<address>. To renew keys on a schedule, set rotation."
	if _, ok := m.schedule(ctx); ok {
		what = "It is past its rotation too: apply to rotate it, creating a new key and secret."
	}
	diags.AddWarning("Pulse API key expired",
		fmt.Sprintf("Key %s (%s, %q) on account %s expired at %s: Pulse refuses it, so whatever still logs in with "+
			"its secret fails. %s", m.ID.ValueString(), m.APIKey.ValueString(), m.Description.ValueString(),
			m.AccountID.ValueString(), expiredAt.UTC().Format(time.RFC3339), what))
}
