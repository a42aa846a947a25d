package provider

import (
	"context"
	"fmt"
	"regexp"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func NewAPIKeyDataSource() datasource.DataSource {
	return &apiKeyDataSource{}
}

var (
	_ datasource.DataSource                     = &apiKeyDataSource{}
	_ datasource.DataSourceWithConfigure        = &apiKeyDataSource{}
	_ datasource.DataSourceWithConfigValidators = &apiKeyDataSource{}
)

type apiKeyDataSource struct {
	data *providerData
}

func (d *apiKeyDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_key"
}

func (d *apiKeyDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attributes := apiKeyDataAttributes()
	attributes["id"] = schema.StringAttribute{
		MarkdownDescription: "The key's id (digits). Give this or `api_key`.",
		Optional:            true,
		Computed:            true,
		Validators: []validator.String{
			stringvalidator.RegexMatches(regexp.MustCompile(`^[0-9]+$`), "must be a Pulse API key id: digits, such as 42"),
		},
	}
	attributes["api_key"] = schema.StringAttribute{
		MarkdownDescription: "The key's public id (`apiKey-...`). Give this or `id`.",
		Optional:            true,
		Computed:            true,
	}
	attributes["account_id"] = accountIDArgument("The account the key lives on.")

	resp.Schema = schema.Schema{
		MarkdownDescription: "One API key on an account, found by `id` or by its public `api_key`. The secret is never " +
			"included: Pulse returns it only once, when the key is created. Needs `writeApiKeys` on the account.",
		Attributes: attributes,
	}
}

func (d *apiKeyDataSource) ConfigValidators(_ context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("api_key")),
	}
}

func (d *apiKeyDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *apiKeyDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config apiKeyLookupModel

	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	client := d.data.clientFor(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	accountID := d.data.accountOrDefault(ctx, config.AccountID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	keys, err := client.ListAPIKeys(ctx, accountID)
	if err != nil {
		d.data.addKeyError(ctx, &resp.Diagnostics, "list", accountID, err)
		return
	}

	by, value := "id", config.ID.ValueString()
	if config.ID.IsNull() {
		by, value = "api_key", config.APIKey.ValueString()
	}
	for _, k := range keys {
		if (by == "id" && strconv.FormatInt(k.ID, 10) == value) || (by == "api_key" && k.APIKey == value) {
			state := apiKeyLookupModel{apiKeyDataModel: newAPIKeyDataModel(k), AccountID: types.StringValue(accountID)}
			resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
			return
		}
	}

	resp.Diagnostics.AddAttributeError(path.Root(by), "Pulse API key not found",
		fmt.Sprintf("No key with %s %q on account %s (%d keys there). Check the value and the account; "+
			"the pulse_api_keys data source lists them.", by, value, accountID, len(keys)))
}

// apiKeyLookupModel is a key found by id or api_key, and the account searched.
type apiKeyLookupModel struct {
	apiKeyDataModel
	AccountID types.String `tfsdk:"account_id"`
}
