package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func NewPermissionsDataSource() datasource.DataSource {
	return &permissionsDataSource{}
}

var (
	_ datasource.DataSource              = &permissionsDataSource{}
	_ datasource.DataSourceWithConfigure = &permissionsDataSource{}
)

type permissionsDataSource struct {
	data *providerData
}

func (d *permissionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_permissions"
}

func (d *permissionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The permissions that can be granted to an API key on an account, with their descriptions " +
			"and categories: the names `pulse_api_key.permissions` accepts.",
		Attributes: map[string]schema.Attribute{
			"account_id": accountIDArgument("The account whose grantable permissions to list."),
			"names": schema.SetAttribute{
				MarkdownDescription: "Just the permission names, for `contains()` and `setsubtract()`.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"permissions": schema.ListNestedAttribute{
				MarkdownDescription: "The permissions, in the order the API lists them.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id": schema.Int64Attribute{
							MarkdownDescription: "The permission's numeric id.",
							Computed:            true,
						},
						"name": schema.StringAttribute{
							MarkdownDescription: "The permission's name, such as `readApplications`.",
							Computed:            true,
						},
						"description": schema.StringAttribute{
							MarkdownDescription: "What the permission allows.",
							Computed:            true,
						},
						"category": schema.StringAttribute{
							MarkdownDescription: "The permission's category.",
							Computed:            true,
						},
					},
				},
			},
		},
	}
}

func (d *permissionsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *permissionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var state permissionsModel

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

	permissions, err := client.ListPermissions(ctx, accountID)
	if err != nil {
		summary := "Unable to list the permissions of Pulse account " + accountID
		if !d.data.addReachError(ctx, &resp.Diagnostics, summary, accountID, err) {
			d.data.addAPIError(&resp.Diagnostics, summary, err)
		}
		return
	}

	state.AccountID = types.StringValue(accountID)
	state.Names = make([]string, 0, len(permissions))
	state.Permissions = make([]permissionModel, 0, len(permissions))
	for _, p := range permissions {
		state.Names = append(state.Names, p.Name)
		state.Permissions = append(state.Permissions, permissionModel{
			ID:          types.Int64Value(p.ID),
			Name:        types.StringValue(p.Name),
			Description: types.StringValue(p.Description),
			Category:    types.StringValue(p.Category),
		})
	}

	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

type permissionsModel struct {
	AccountID   types.String      `tfsdk:"account_id"`
	Names       []string          `tfsdk:"names"`
	Permissions []permissionModel `tfsdk:"permissions"`
}

type permissionModel struct {
	ID          types.Int64  `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	Category    types.String `tfsdk:"category"`
}
