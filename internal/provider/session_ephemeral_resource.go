package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

func NewSessionEphemeralResource() ephemeral.EphemeralResource {
	return &sessionEphemeralResource{}
}

var (
	_ ephemeral.EphemeralResource              = &sessionEphemeralResource{}
	_ ephemeral.EphemeralResourceWithConfigure = &sessionEphemeralResource{}
)

// sessionEphemeralResource is a fresh Pulse session token for something else that calls Pulse
// (a script, another provider), never written to a plan or a state.
type sessionEphemeralResource struct {
	data *providerData
}

func (r *sessionEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_session"
}

func (r *sessionEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A fresh Pulse session token, logged in with the provider's credentials, for something " +
			"else that calls the Pulse API during the run: a `local-exec` script, an `http` data source, another " +
			"provider (Terraform 1.10 and later, OpenTofu 1.11 and later). It is ephemeral: the token is never " +
			"written to the state or to a saved plan.\n\n" +
			"Each open is a login of its own, apart from the provider's session. Pulse has no logout: the token " +
			"works until `expires_at`, later if it is used (tokens extend themselves while in use). The " +
			"`pulse_session` data source describes the provider's own session without its token.",
		Attributes: map[string]schema.Attribute{
			"token": schema.StringAttribute{
				MarkdownDescription: "The session token, sent as `Authorization: Bearer <token>`. Sensitive, and " +
					"ephemeral: it is never stored.",
				Computed:  true,
				Sensitive: true,
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the token expires (RFC 3339), as Pulse said at login; null when it does not say.",
				Computed:            true,
			},
			"account_id": schema.StringAttribute{
				MarkdownDescription: "The account calls act on by default: the provider's `account_id`, else the " +
					"session's primary account. Send it as `X-Account-ID`.",
				Computed: true,
			},
			"email": schema.StringAttribute{
				MarkdownDescription: "The user the session belongs to (for an API key, the key's owner).",
				Computed:            true,
			},
			"permissions": schema.SetAttribute{
				MarkdownDescription: "The permissions the token carries: for a key's session, only what the key grants.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"base_url": schema.StringAttribute{
				MarkdownDescription: "The API server the token belongs to.",
				Computed:            true,
			},
		},
	}
}

func (r *sessionEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// Open logs in afresh: the provider's own token is shared by everything it does and replaced
// when it expires, so it is not one to hand out.
func (r *sessionEphemeralResource) Open(ctx context.Context, _ ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	ctx = r.data.logContext(ctx)
	if r.data.clientFor(&resp.Diagnostics) == nil {
		return
	}

	client := r.data.client
	token, session, accountID, err := client.NewSession(ctx)
	if err != nil {
		r.data.addAPIError(&resp.Diagnostics, "Unable to log in to Pulse", err)
		return
	}
	tflog.Debug(ctx, "opened an ephemeral Pulse session", map[string]any{"account_id": accountID, "email": session.Email})

	result := sessionEphemeralModel{
		Token:       types.StringValue(token),
		ExpiresAt:   timeValue(session.ExpiresAt),
		AccountID:   types.StringValue(accountID),
		Email:       types.StringValue(session.Email),
		Permissions: nonNil(session.Permissions),
		BaseURL:     types.StringValue(client.BaseURL()),
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, &result)...)
}

type sessionEphemeralModel struct {
	Token       types.String `tfsdk:"token"`
	ExpiresAt   types.String `tfsdk:"expires_at"`
	AccountID   types.String `tfsdk:"account_id"`
	Email       types.String `tfsdk:"email"`
	Permissions []string     `tfsdk:"permissions"`
	BaseURL     types.String `tfsdk:"base_url"`
}
