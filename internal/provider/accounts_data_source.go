package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pulsecrm/terraform-provider-pulse/internal/pulseapi"
)

func NewAccountsDataSource() datasource.DataSource {
	return &accountsDataSource{}
}

var (
	_ datasource.DataSource              = &accountsDataSource{}
	_ datasource.DataSourceWithConfigure = &accountsDataSource{}
)

type accountsDataSource struct {
	data *providerData
}

func (d *accountsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_accounts"
}

func (d *accountsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Every Pulse account visible to the caller (all pages), optionally filtered by name or rep code.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				MarkdownDescription: "Only accounts whose name contains this text (the API matches it case-insensitively).",
				Optional:            true,
			},
			"repcode": schema.StringAttribute{
				MarkdownDescription: "Only accounts with this rep code.",
				Optional:            true,
			},
			"accounts": schema.ListNestedAttribute{
				MarkdownDescription: "The accounts, in the order the API lists them.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: accountAttributes(),
				},
			},
		},
	}
}

func (d *accountsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *accountsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var state accountsModel

	resp.Diagnostics.Append(req.Config.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	client := d.data.clientFor(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	accounts, err := client.ListAccounts(ctx, pulseapi.AccountFilter{
		Name:    state.Name.ValueString(),
		Repcode: state.Repcode.ValueString(),
	})
	if err != nil {
		d.data.addAPIError(&resp.Diagnostics, "Unable to list Pulse accounts", err)
		return
	}

	state.Accounts = make([]accountModel, 0, len(accounts))
	for _, a := range accounts {
		state.Accounts = append(state.Accounts, newAccountModel(a))
	}

	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

type accountsModel struct {
	Name     types.String   `tfsdk:"name"`
	Repcode  types.String   `tfsdk:"repcode"`
	Accounts []accountModel `tfsdk:"accounts"`
}
