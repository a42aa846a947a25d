package provider

import (
	"context"
	"os"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/pulsecrm/terraform-provider-pulse/internal/pulseapi"
)

// New returns the provider factory that main serves and the acceptance tests use.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &pulseProvider{version: version}
	}
}

var (
	_ provider.Provider                       = &pulseProvider{}
	_ provider.ProviderWithValidateConfig     = &pulseProvider{}
	_ provider.ProviderWithEphemeralResources = &pulseProvider{}
	_ provider.ProviderWithListResources      = &pulseProvider{}
)

type pulseProvider struct {
	// version is "dev" for local builds, the release version otherwise, and "test" in the
	// acceptance tests.
	version string
}

func (p *pulseProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "pulse"
	resp.Version = p.version
}

func (p *pulseProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The Pulse provider manages [Pulse CRM](https://api.pulsecrm.com) API keys and reads " +
			"the caller's session, accounts and permissions.\n\n" +
			"Authenticate with **either** an API key and secret (`api_key` + `api_secret`, preferred for automation) " +
			"**or** a user's login (`email` + `password`). Every argument can also come from a `PULSE_*` " +
			"environment variable; a value in the provider block wins over the environment. The provider logs in " +
			"once per Terraform run and again only when its session token expires.",
		Attributes: map[string]schema.Attribute{
			"api_key": schema.StringAttribute{
				MarkdownDescription: "The public id of a Pulse API key (`apiKey-...`), used with `api_secret`. " +
					"Can also be set with `PULSE_API_KEY`. Conflicts with `email` and `password`.",
				Optional: true,
			},
			"api_secret": schema.StringAttribute{
				MarkdownDescription: "The secret of the API key named by `api_key`. Can also be set with `PULSE_API_SECRET`.",
				Optional:            true,
				Sensitive:           true,
			},
			"email": schema.StringAttribute{
				MarkdownDescription: "The email of a Pulse user, used with `password`. Can also be set with `PULSE_EMAIL`. " +
					"Conflicts with `api_key` and `api_secret`.",
				Optional: true,
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "The password of the user named by `email`. Can also be set with `PULSE_PASSWORD`.",
				Optional:            true,
				Sensitive:           true,
			},
			"environment": schema.StringAttribute{
				MarkdownDescription: "The Pulse environment: `production` (`https://api.pulsecrm.com`, the default) or " +
					"`development` (`https://api.dev.pulsecrm.com`). Credentials belong to one environment. " +
					"Can also be set with `PULSE_ENVIRONMENT`. Ignored when `base_url` is set.",
				Optional: true,
			},
			"base_url": schema.StringAttribute{
				MarkdownDescription: "The API's absolute `http(s)` URL, overriding `environment`: for the local emulator, " +
					"a proxy or a private deployment. Can also be set with `PULSE_BASE_URL`, which does not override an " +
					"`environment` set in the provider block.",
				Optional: true,
			},
			"allow_insecure_http": schema.BoolAttribute{
				MarkdownDescription: "Allow an `http://` `base_url` on a host that is not this machine. Off by default, " +
					"because plain HTTP carries the API secret or password, and every session token, unencrypted to " +
					"anyone on the network path. Set it only for a private network you trust; use `https://` anywhere " +
					"else. The loopback address (the emulator) never needs it.",
				Optional: true,
			},
			"account_id": schema.StringAttribute{
				MarkdownDescription: "The account (a string of digits) that resources and data sources act on when they " +
					"do not name one. Must be one of the session's accounts. Defaults to the session's primary account. " +
					"Can also be set with `PULSE_ACCOUNT_ID`.",
				Optional: true,
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: "How many times a request is retried after a server error or a connection error. " +
					"Creates are retried only where the API provably did not act on them. A rate limit (429) may be " +
					"retried four times as often, as it is always safe to repeat. Defaults to `5`; `0` disables every retry.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, 100)},
			},
			"request_timeout": schema.StringAttribute{
				MarkdownDescription: "How long one HTTP attempt may take, as a Go duration such as `30s` or `2m`. " +
					"Defaults to `60s`.",
				Optional: true,
			},
			"max_retry_wait": schema.StringAttribute{
				MarkdownDescription: "The most one request may spend waiting between its attempts, in total, as a Go " +
					"duration such as `90s` or `10m`: once its waits add up to this, the next failure is final. " +
					"Defaults to `5m`.",
				Optional: true,
			},
			"max_requests_per_second": schema.Float64Attribute{
				MarkdownDescription: "A client-side cap on requests per second to the API, for teams with a known quota: " +
					"requests wait their turn instead of meeting a 429. Off by default.",
				Optional:   true,
				Validators: []validator.Float64{float64validator.AtLeast(0)},
			},
		},
	}
}

// ValidateConfig checks the provider block together with the PULSE_* environment, so that a
// wrong combination fails at plan time with a message that names both places to fix it.
func (p *pulseProvider) ValidateConfig(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var config providerModel

	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	_, diags := resolveSettings(config, os.Getenv)
	resp.Diagnostics.Append(diags...)
}

func (p *pulseProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var config providerModel

	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	settings, diags := resolveSettings(config, os.Getenv)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	if settings.unknown {
		// Credentials that come from a resource not yet created: nothing can be read now.
		// Clients that support deferral plan those reads later; others get a provider that
		// keeps what is in state and explains itself where it must read.
		if req.ClientCapabilities.DeferralAllowed {
			resp.Deferred = &provider.Deferred{Reason: provider.DeferredReasonProviderConfigUnknown}
			return
		}
		tflog.Debug(ctx, "provider configuration is unknown; reads are deferred to apply")
		data := &providerData{}
		resp.DataSourceData, resp.ResourceData, resp.EphemeralResourceData, resp.ListResourceData = data, data, data, data
		return
	}

	// Here rather than in ValidateConfig, which the CLI also calls for validate, so that the
	// warning comes once per run.
	resp.Diagnostics.Append(settings.shadowedWarnings()...)

	secrets := pulseapi.NewSecrets(settings.apiSecret.value, settings.password.value)
	logger := newLogger(secrets)
	ctx = logger.mask(ctx)

	clientConfig := settings.clientConfig(p.version, logger)
	clientConfig.Secrets = secrets
	client, err := pulseapi.New(clientConfig)
	if err != nil {
		resp.Diagnostics.AddError("Unable to create the Pulse client", err.Error())
		return
	}

	tflog.Debug(ctx, "configured the Pulse client", map[string]any{
		"base_url":    client.BaseURL(),
		"auth_method": client.AuthMethod(),
		"account_id":  settings.accountID.value,
	})

	_, from := settings.baseURLAndSource()
	data := &providerData{client: client, logger: logger, baseURLFrom: from, config: clientConfig}
	resp.DataSourceData, resp.ResourceData, resp.EphemeralResourceData, resp.ListResourceData = data, data, data, data
}

func (p *pulseProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewAPIKeyResource,
	}
}

func (p *pulseProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewSessionDataSource,
		NewAccountDataSource,
		NewAccountsDataSource,
		NewAPIKeyDataSource,
		NewAPIKeysDataSource,
		NewPermissionsDataSource,
	}
}

// EphemeralResources are for Terraform 1.10+ and OpenTofu 1.11+; older CLIs never ask.
func (p *pulseProvider) EphemeralResources(_ context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewAPIKeyEphemeralResource,
		NewSessionEphemeralResource,
	}
}

// ListResources are for `terraform query`, Terraform 1.14+.
func (p *pulseProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewAPIKeyListResource,
	}
}

// providerModel is the provider block.
type providerModel struct {
	APIKey               types.String  `tfsdk:"api_key"`
	APISecret            types.String  `tfsdk:"api_secret"`
	Email                types.String  `tfsdk:"email"`
	Password             types.String  `tfsdk:"password"`
	Environment          types.String  `tfsdk:"environment"`
	BaseURL              types.String  `tfsdk:"base_url"`
	AllowInsecureHTTP    types.Bool    `tfsdk:"allow_insecure_http"`
	AccountID            types.String  `tfsdk:"account_id"`
	MaxRetries           types.Int64   `tfsdk:"max_retries"`
	RequestTimeout       types.String  `tfsdk:"request_timeout"`
	MaxRetryWait         types.String  `tfsdk:"max_retry_wait"`
	MaxRequestsPerSecond types.Float64 `tfsdk:"max_requests_per_second"`
}
