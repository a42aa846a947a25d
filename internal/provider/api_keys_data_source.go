package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func NewAPIKeysDataSource() datasource.DataSource {
	return &apiKeysDataSource{}
}

var (
	_ datasource.DataSource              = &apiKeysDataSource{}
	_ datasource.DataSourceWithConfigure = &apiKeysDataSource{}
)

type apiKeysDataSource struct {
	data *providerData
}

func (d *apiKeysDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_keys"
}

func (d *apiKeysDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Every API key on an account (all pages). Secrets are never included: Pulse returns a " +
			"key's secret only once, when it is created. Needs `writeApiKeys` on the account.",
		Attributes: map[string]schema.Attribute{
			"account_id": accountIDArgument("The account whose keys to list."),
			"api_keys": schema.ListNestedAttribute{
				MarkdownDescription: "The keys, ordered by id.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: apiKeyDataAttributes(),
				},
			},
		},
	}
}

func (d *apiKeysDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *apiKeysDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var state apiKeysModel

	resp.Diagnostics.Append(req.Config.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	client := d.data.clientFor(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	accountID := d.data.accountOrDefault(ctx, state.AccountID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	keys, err := client.ListAPIKeys(ctx, accountID)
	if err != nil {
		d.data.addKeyError(ctx, &resp.Diagnostics, "list", accountID, err)
		return
	}

	state.AccountID = types.StringValue(accountID)
	state.APIKeys = make([]apiKeyDataModel, 0, len(keys))
	for _, k := range keys {
		state.APIKeys = append(state.APIKeys, newAPIKeyDataModel(k))
	}

	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// accountIDArgument is the optional account_id every account-scoped data source takes.
func accountIDArgument(what string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: what + " Defaults to the provider's account (its `account_id`, else the session's " +
			"primary account).",
		Optional:   true,
		Computed:   true,
		Validators: []validator.String{accountIDValidator()},
	}
}

type apiKeysModel struct {
	AccountID types.String      `tfsdk:"account_id"`
	APIKeys   []apiKeyDataModel `tfsdk:"api_keys"`
}
