package provider

import (
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pulsecrm/terraform-provider-pulse/internal/pulseapi"
)

// apiKeyDataAttributes describes a key as the data sources show it, once for pulse_api_key
// and for each element of pulse_api_keys. There is no secret: Pulse returns it only once.
func apiKeyDataAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id": schema.StringAttribute{
			MarkdownDescription: "The key's id (digits).",
			Computed:            true,
		},
		"api_key": schema.StringAttribute{
			MarkdownDescription: "The key's public id (`apiKey-...`).",
			Computed:            true,
		},
		"description": schema.StringAttribute{
			MarkdownDescription: "What the key is for.",
			Computed:            true,
		},
		"permissions": schema.SetAttribute{
			MarkdownDescription: "The permissions the key grants.",
			ElementType:         types.StringType,
			Computed:            true,
		},
		"expires_at": schema.StringAttribute{
			MarkdownDescription: "When the key expires (RFC 3339); null if it never does.",
			Computed:            true,
		},
		"last_four_of_secret": schema.StringAttribute{
			MarkdownDescription: "The last four characters of the key's secret.",
			Computed:            true,
		},
		"created_at": schema.StringAttribute{
			MarkdownDescription: "When the key was created (RFC 3339).",
			Computed:            true,
		},
	}
}

type apiKeyDataModel struct {
	ID               types.String `tfsdk:"id"`
	APIKey           types.String `tfsdk:"api_key"`
	Description      types.String `tfsdk:"description"`
	Permissions      []string     `tfsdk:"permissions"`
	ExpiresAt        types.String `tfsdk:"expires_at"`
	LastFourOfSecret types.String `tfsdk:"last_four_of_secret"`
	CreatedAt        types.String `tfsdk:"created_at"`
}

func newAPIKeyDataModel(k pulseapi.APIKey) apiKeyDataModel {
	m := apiKeyDataModel{
		ID:               types.StringValue(strconv.FormatInt(k.ID, 10)),
		APIKey:           types.StringValue(k.APIKey),
		Description:      types.StringValue(k.Description),
		Permissions:      nonNil(k.Permissions),
		ExpiresAt:        types.StringNull(),
		LastFourOfSecret: types.StringValue(k.LastFourOfSecret),
		CreatedAt:        timeValue(k.CreatedAt),
	}
	if k.ExpiresAt != nil {
		m.ExpiresAt = expiryValue(*k.ExpiresAt)
	}
	return m
}
