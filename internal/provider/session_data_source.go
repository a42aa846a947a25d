package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func NewSessionDataSource() datasource.DataSource {
	return &sessionDataSource{}
}

var (
	_ datasource.DataSource              = &sessionDataSource{}
	_ datasource.DataSourceWithConfigure = &sessionDataSource{}
)

type sessionDataSource struct {
	data *providerData
}

func (d *sessionDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_session"
}

func (d *sessionDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Who the provider is logged in as: the user, roles, permissions and accounts of its " +
			"Pulse session. Reading it costs no request beyond the provider's single login. The session token " +
			"itself is never exposed.",
		Attributes: map[string]schema.Attribute{
			"user_id": schema.Int64Attribute{
				MarkdownDescription: "The id of the user the session belongs to (for an API key, the key's owner).",
				Computed:            true,
			},
			"email": schema.StringAttribute{
				MarkdownDescription: "The user's email.",
				Computed:            true,
			},
			"active": schema.BoolAttribute{
				MarkdownDescription: "Whether the user is active.",
				Computed:            true,
			},
			"roles": schema.ListAttribute{
				MarkdownDescription: "The user's roles, such as `superAdmin`, `admin` or `user`.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"permissions": schema.SetAttribute{
				MarkdownDescription: "The permissions the session holds, such as `writeApiKeys`.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"primary_account_id": schema.StringAttribute{
				MarkdownDescription: "The user's primary account: where calls go when no account is named.",
				Computed:            true,
			},
			"account_id": schema.StringAttribute{
				MarkdownDescription: "The account in effect for this provider: its `account_id` argument, else the primary account.",
				Computed:            true,
			},
			"accounts": schema.ListNestedAttribute{
				MarkdownDescription: "Every account the session belongs to.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"account_id": schema.StringAttribute{
							MarkdownDescription: "The account's id.",
							Computed:            true,
						},
						"account_name": schema.StringAttribute{
							MarkdownDescription: "The account's name.",
							Computed:            true,
						},
						"account_admin": schema.BoolAttribute{
							MarkdownDescription: "Whether the user administers the account.",
							Computed:            true,
						},
						"primary": schema.BoolAttribute{
							MarkdownDescription: "Whether this is the user's primary account.",
							Computed:            true,
						},
					},
				},
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the session token expires (RFC 3339), as the API reported it at login; " +
					"tokens extend themselves while in use. Null when the API does not say.",
				Computed: true,
			},
			"auth_method": schema.StringAttribute{
				MarkdownDescription: "How the provider logged in: `api_key` or `password`.",
				Computed:            true,
			},
			"base_url": schema.StringAttribute{
				MarkdownDescription: "The API server the provider talks to.",
				Computed:            true,
			},
		},
	}
}

func (d *sessionDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *sessionDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	client := d.data.clientFor(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	session, err := client.Session(ctx)
	if err != nil {
		d.data.addAPIError(&resp.Diagnostics, "Unable to read the Pulse session", err)
		return
	}
	accountID, err := client.DefaultAccountID(ctx)
	if err != nil {
		d.data.addAPIError(&resp.Diagnostics, "Unable to read the Pulse session", err)
		return
	}

	state := sessionModel{
		UserID:           types.Int64Value(session.UserID),
		Email:            types.StringValue(session.Email),
		Active:           types.BoolValue(session.Active),
		Roles:            nonNil(session.Roles),
		Permissions:      nonNil(session.Permissions),
		PrimaryAccountID: types.StringValue(session.PrimaryAccount.AccountID),
		AccountID:        types.StringValue(accountID),
		ExpiresAt:        timeValue(session.ExpiresAt),
		AuthMethod:       types.StringValue(client.AuthMethod()),
		BaseURL:          types.StringValue(client.BaseURL()),
		Accounts:         make([]sessionAccountModel, 0, len(session.Accounts)),
	}
	for _, a := range session.Accounts {
		state.Accounts = append(state.Accounts, sessionAccountModel{
			AccountID:    types.StringValue(a.AccountID),
			AccountName:  types.StringValue(a.AccountName),
			AccountAdmin: types.BoolValue(a.AccountAdmin),
			Primary:      types.BoolValue(a.AccountID == session.PrimaryAccount.AccountID),
		})
	}

	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

type sessionModel struct {
	UserID           types.Int64           `tfsdk:"user_id"`
	Email            types.String          `tfsdk:"email"`
	Active           types.Bool            `tfsdk:"active"`
	Roles            []string              `tfsdk:"roles"`
	Permissions      []string              `tfsdk:"permissions"`
	PrimaryAccountID types.String          `tfsdk:"primary_account_id"`
	AccountID        types.String          `tfsdk:"account_id"`
	Accounts         []sessionAccountModel `tfsdk:"accounts"`
	ExpiresAt        types.String          `tfsdk:"expires_at"`
	AuthMethod       types.String          `tfsdk:"auth_method"`
	BaseURL          types.String          `tfsdk:"base_url"`
}

type sessionAccountModel struct {
	AccountID    types.String `tfsdk:"account_id"`
	AccountName  types.String `tfsdk:"account_name"`
	AccountAdmin types.Bool   `tfsdk:"account_admin"`
	Primary      types.Bool   `tfsdk:"primary"`
}
