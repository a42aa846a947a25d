package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pulsecrm/terraform-provider-pulse/internal/pulseapi"
)

// accountAttributes describes an account once, for pulse_account and for each element of
// pulse_accounts, so that both read the same.
func accountAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"account_id": schema.StringAttribute{
			MarkdownDescription: "The account's id, a string of digits.",
			Computed:            true,
		},
		"account_name": schema.StringAttribute{
			MarkdownDescription: "The account's name.",
			Computed:            true,
		},
		"unique_id": schema.StringAttribute{
			MarkdownDescription: "The account's unique id, where the API gives one.",
			Computed:            true,
		},
		"repcode": schema.StringAttribute{
			MarkdownDescription: "The account's rep code; null when it has none.",
			Computed:            true,
		},
		"account_admin": schema.BoolAttribute{
			MarkdownDescription: "Whether the caller administers the account.",
			Computed:            true,
		},
		"primary": schema.BoolAttribute{
			MarkdownDescription: "Whether this is the caller's primary account.",
			Computed:            true,
		},
		"permissions": schema.SetAttribute{
			MarkdownDescription: "The caller's permissions on the account.",
			ElementType:         types.StringType,
			Computed:            true,
		},
		"roles": schema.ListAttribute{
			MarkdownDescription: "The caller's roles on the account.",
			ElementType:         types.StringType,
			Computed:            true,
		},
		"customer_service_phone": schema.StringAttribute{
			MarkdownDescription: "The account's customer service phone number; null when unset.",
			Computed:            true,
		},
		"customer_service_email": schema.StringAttribute{
			MarkdownDescription: "The account's customer service email; null when unset.",
			Computed:            true,
		},
		"account_type_id": schema.Int64Attribute{
			MarkdownDescription: "The account's type id.",
			Computed:            true,
		},
		"created_at": schema.StringAttribute{
			MarkdownDescription: "When the account was created (RFC 3339).",
			Computed:            true,
		},
		"updated_at": schema.StringAttribute{
			MarkdownDescription: "When the account was last updated (RFC 3339).",
			Computed:            true,
		},
	}
}

type accountModel struct {
	AccountID            types.String `tfsdk:"account_id"`
	AccountName          types.String `tfsdk:"account_name"`
	UniqueID             types.String `tfsdk:"unique_id"`
	Repcode              types.String `tfsdk:"repcode"`
	AccountAdmin         types.Bool   `tfsdk:"account_admin"`
	Primary              types.Bool   `tfsdk:"primary"`
	Permissions          []string     `tfsdk:"permissions"`
	Roles                []string     `tfsdk:"roles"`
	CustomerServicePhone types.String `tfsdk:"customer_service_phone"`
	CustomerServiceEmail types.String `tfsdk:"customer_service_email"`
	AccountTypeID        types.Int64  `tfsdk:"account_type_id"`
	CreatedAt            types.String `tfsdk:"created_at"`
	UpdatedAt            types.String `tfsdk:"updated_at"`
}

func newAccountModel(a pulseapi.Account) accountModel {
	return accountModel{
		AccountID:            types.StringValue(a.AccountID),
		AccountName:          types.StringValue(a.AccountName),
		UniqueID:             optionalString(a.UniqueID),
		Repcode:              optionalString(a.Repcode),
		AccountAdmin:         types.BoolValue(a.AccountAdmin),
		Primary:              types.BoolValue(a.UsersPrimaryAccount),
		Permissions:          nonNil(a.Permissions),
		Roles:                nonNil(a.Roles),
		CustomerServicePhone: optionalString(a.CustomerServicePhone),
		CustomerServiceEmail: optionalString(a.CustomerServiceEmail),
		AccountTypeID:        types.Int64Value(a.AccountTypeID),
		CreatedAt:            timeValue(a.CreatedAt),
		UpdatedAt:            timeValue(a.UpdatedAt),
	}
}
