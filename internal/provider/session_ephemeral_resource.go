package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/pulsecrm/terraform-provider-pulse/internal/pulseapi"
)

// maxLoginAnswer bounds what is read of a login answer to find its token.
const maxLoginAnswer = 4 << 20

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

	capture := &loginCapture{base: cleanhttp.DefaultPooledTransport()}
	defer capture.closeIdleConnections()
	config := r.data.config
	config.HTTPClient = &http.Client{Transport: capture}
	login, err := pulseapi.New(config)
	if err != nil {
		resp.Diagnostics.AddError("Unable to log in to Pulse", err.Error())
		return
	}

	session, err := login.Session(ctx)
	if err != nil {
		r.data.addAPIError(&resp.Diagnostics, "Unable to log in to Pulse", err)
		return
	}
	accountID, err := login.DefaultAccountID(ctx)
	if err != nil {
		r.data.addAPIError(&resp.Diagnostics, "Unable to log in to Pulse", err)
		return
	}
	token := capture.token()
	if token == "" {
		resp.Diagnostics.AddError("Unable to log in to Pulse",
			"Pulse accepted the login but its answer carried no session token. Please report this issue to the provider developers.")
		return
	}
	// The login client registers it in the registry it shares with the provider's log masking;
	// said again here, as masking the token is this resource's promise.
	r.data.config.Secrets.Add(token)
	tflog.Debug(ctx, "opened an ephemeral Pulse session", map[string]any{"account_id": accountID, "email": session.Email})

	result := sessionEphemeralModel{
		Token:       types.StringValue(token),
		ExpiresAt:   timeValue(session.ExpiresAt),
		AccountID:   types.StringValue(accountID),
		Email:       types.StringValue(session.Email),
		Permissions: nonNil(session.Permissions),
		BaseURL:     types.StringValue(login.BaseURL()),
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

// loginCapture is the transport of the client pulse_session logs in with. The client keeps
// its tokens to itself, so the one pulse_session hands out is read from the login answer on
// its way through; the client still does the login, its retries and its error handling.
type loginCapture struct {
	base *http.Transport

	mu    sync.Mutex
	value string
}

func (c *loginCapture) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if err != nil || req.Method != http.MethodPost || !strings.HasSuffix(req.URL.Path, "/auth/login") ||
		resp.StatusCode != http.StatusOK {
		return resp, err
	}
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxLoginAnswer))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(answer))
	var session struct {
		Token string `json:"token"`
	}
	if json.Unmarshal(answer, &session) == nil {
		c.mu.Lock()
		c.value = session.Token
		c.mu.Unlock()
	}
	return resp, nil
}

// token is the token of the last login that succeeded.
func (c *loginCapture) token() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.value
}

func (c *loginCapture) closeIdleConnections() {
	c.base.CloseIdleConnections()
}
