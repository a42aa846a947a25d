package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/pulsecrm/terraform-provider-pulse/internal/pulseapi"
)

func NewAccountDataSource() datasource.DataSource {
	return &accountDataSource{}
}

var (
	_ datasource.DataSource              = &accountDataSource{}
	_ datasource.DataSourceWithConfigure = &accountDataSource{}
)

type accountDataSource struct {
	data *providerData
}

func (d *accountDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_account"
}

func (d *accountDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attributes := accountAttributes()
	attributes["account_id"] = accountIDArgument("The account to read, a string of digits.")

	resp.Schema = schema.Schema{
		MarkdownDescription: "One Pulse account the caller belongs to: its name, rep code, support contacts, and the " +
			"caller's roles and permissions on it.",
		Attributes: attributes,
	}
}

func (d *accountDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *accountDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config accountModel

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

	accounts, err := client.ListAccounts(ctx, pulseapi.AccountFilter{})
	if err != nil {
		d.data.addAPIError(&resp.Diagnostics, "Unable to read the Pulse account", err)
		return
	}

	visible := make([]string, 0, len(accounts))
	for _, a := range accounts {
		if a.AccountID == accountID {
			state := newAccountModel(a)
			resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
			return
		}
		visible = append(visible, a.AccountID)
	}

	detail := fmt.Sprintf("Account %s is not among the %d accounts this session can see (%s). Check the id, or use "+
		"credentials of a user who belongs to that account.", accountID, len(visible), strings.Join(visible, ", "))
	if client.AuthMethod() == "api_key" {
		detail += " " + keyScopeAdvice(accountID)
	}
	resp.Diagnostics.AddAttributeError(path.Root("account_id"), "Pulse account not found", detail)
}

// accountIDValidator is the plan-time check for every account_id argument.
func accountIDValidator() validator.String {
	return stringvalidator.RegexMatches(accountIDPattern,
		"must be a Pulse account id: a string of digits, such as 6591739253089529")
}
