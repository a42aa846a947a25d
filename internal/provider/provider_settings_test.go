package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

// config builds a provider block in which every attribute is null unless set.
func config(set func(*providerModel)) providerModel {
	m := providerModel{
		APIKey: types.StringNull(), APISecret: types.StringNull(),
		Email: types.StringNull(), Password: types.StringNull(),
		Environment: types.StringNull(), BaseURL: types.StringNull(), AccountID: types.StringNull(),
		MaxRetries: types.Int64Null(), RequestTimeout: types.StringNull(), MaxRequestsPerSecond: types.Float64Null(),
	}
	if set != nil {
		set(&m)
	}
	return m
}

func withKey(m *providerModel) {
	m.APIKey = types.StringValue("apiKey-abc")
	m.APISecret = types.StringValue("s3cret-value")
}

func TestResolveSettingsErrors(t *testing.T) {
	cases := map[string]struct {
		model providerModel
		env   map[string]string
		want  []string // fragments of the error text, summary then detail
	}{
		"no credentials": {
			model: config(nil),
			want: []string{"Missing Pulse credentials", "api_key and api_secret", "PULSE_API_KEY and PULSE_API_SECRET",
				"email and password", "PULSE_EMAIL and PULSE_PASSWORD"},
		},
		"both methods in the block": {
			model: config(func(m *providerModel) { withKey(m); m.Email = types.StringValue("a@example.com") }),
			want:  []string{"Conflicting Pulse credentials", "api_key in the provider block", "email in the provider block"},
		},
		"both methods, one from the environment": {
			model: config(withKey),
			env:   map[string]string{"PULSE_PASSWORD": "pw"},
			want:  []string{"Conflicting Pulse credentials", "PULSE_PASSWORD in the environment"},
		},
		"api_key without secret": {
			model: config(func(m *providerModel) { m.APIKey = types.StringValue("apiKey-abc") }),
			want: []string{"Incomplete Pulse API key credentials", "api_key is set (api_key in the provider block) but api_secret is not",
				"api_secret in the provider block or PULSE_API_SECRET in the environment"},
		},
		"secret from the environment without key": {
			model: config(nil),
			env:   map[string]string{"PULSE_API_SECRET": "x"},
			want:  []string{"Incomplete Pulse API key credentials", "PULSE_API_SECRET in the environment", "PULSE_API_KEY"},
		},
		"password without email": {
			model: config(func(m *providerModel) { m.Password = types.StringValue("pw") }),
			want:  []string{"Incomplete Pulse login credentials", "email in the provider block or PULSE_EMAIL"},
		},
		"empty api_key": {
			model: config(func(m *providerModel) { withKey(m); m.APIKey = types.StringValue("") }),
			want:  []string{"Empty api_key", "remove it to read PULSE_API_KEY"},
		},
		"empty password": {
			model: config(func(m *providerModel) {
				m.Email = types.StringValue("a@example.com")
				m.Password = types.StringValue("")
			}),
			want: []string{"Empty password", "PULSE_PASSWORD"},
		},
		"unknown environment in the block": {
			model: config(func(m *providerModel) { withKey(m); m.Environment = types.StringValue("staging") }),
			want:  []string{"Unknown Pulse environment", `environment in the provider block is "staging"`, `"production" or "development"`},
		},
		"unknown environment from PULSE_ENVIRONMENT": {
			model: config(withKey),
			env:   map[string]string{"PULSE_ENVIRONMENT": "prod"},
			want:  []string{"Unknown Pulse environment", `PULSE_ENVIRONMENT in the environment is "prod"`},
		},
		"base_url without scheme": {
			model: config(func(m *providerModel) { withKey(m); m.BaseURL = types.StringValue("api.pulsecrm.com") }),
			want:  []string{"Invalid Pulse base URL", `base_url in the provider block is "api.pulsecrm.com"`, "https://api.pulsecrm.com"},
		},
		"PULSE_BASE_URL without scheme": {
			model: config(withKey),
			env:   map[string]string{"PULSE_BASE_URL": "api.pulsecrm.com"},
			want:  []string{"Invalid Pulse base URL", "PULSE_BASE_URL in the environment"},
		},
		"base_url with another scheme": {
			model: config(func(m *providerModel) { withKey(m); m.BaseURL = types.StringValue("ftp://api.pulsecrm.com") }),
			want:  []string{"Invalid Pulse base URL", "not an absolute http(s) URL"},
		},
		"base_url with user info is not echoed (defect 16)": {
			model: config(func(m *providerModel) { withKey(m); m.BaseURL = types.StringValue("https://user:pa55word@host/%zz") }),
			want:  []string{"Invalid Pulse base URL", "carries credentials", `"https://***@host/%zz"`},
		},
		"PULSE_BASE_URL with user info": {
			model: config(withKey),
			env:   map[string]string{"PULSE_BASE_URL": "https://user:pa55word@api.pulsecrm.com"},
			want:  []string{"Invalid Pulse base URL", "PULSE_BASE_URL in the environment", "carries credentials"},
		},
		"plain http to another host (issue 15)": {
			model: config(func(m *providerModel) { withKey(m); m.BaseURL = types.StringValue("http://10.1.2.3:8080") }),
			want:  []string{"Unencrypted Pulse base URL", `base_url in the provider block is "http://10.1.2.3:8080"`, "allow_insecure_http = true", "https://"},
		},
		"plain http from PULSE_BASE_URL": {
			model: config(withKey),
			env:   map[string]string{"PULSE_BASE_URL": "http://pulse.internal.example"},
			want:  []string{"Unencrypted Pulse base URL", "PULSE_BASE_URL in the environment", "pulse.internal.example"},
		},
		"account_id not digits": {
			model: config(func(m *providerModel) { withKey(m); m.AccountID = types.StringValue("acme") }),
			want:  []string{"Invalid Pulse account id", `account_id in the provider block is "acme"`, "strings of digits"},
		},
		"PULSE_ACCOUNT_ID not digits": {
			model: config(withKey),
			env:   map[string]string{"PULSE_ACCOUNT_ID": "12-34"},
			want:  []string{"Invalid Pulse account id", "PULSE_ACCOUNT_ID in the environment"},
		},
		"request_timeout not a duration": {
			model: config(func(m *providerModel) { withKey(m); m.RequestTimeout = types.StringValue("10") }),
			want:  []string{"Invalid request timeout", `"30s"`},
		},
		"max_retry_wait negative": {
			model: config(func(m *providerModel) { withKey(m); m.MaxRetryWait = types.StringValue("-1m") }),
			want:  []string{"Invalid retry wait", `max_retry_wait is "-1m"`},
		},
	}

	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, diags := resolveSettings(tc.model, func(k string) string { return tc.env[k] })
			if !diags.HasError() {
				t.Fatal("expected an error, got none")
			}
			var text strings.Builder
			for _, d := range diags.Errors() {
				text.WriteString(d.Summary() + ": " + d.Detail() + "\n")
			}
			for _, w := range tc.want {
				if !strings.Contains(text.String(), w) {
					t.Errorf("error text lacks %q:\n%s", w, text.String())
				}
			}
			if strings.Contains(text.String(), "pa55word") {
				t.Errorf("the error echoes user info from a URL:\n%s", text.String())
			}
			if strings.Contains(text.String(), "s3cret-value") {
				t.Errorf("error text contains the secret:\n%s", text.String())
			}
		})
	}
}

func TestResolveSettingsSources(t *testing.T) {
	env := map[string]string{
		"PULSE_EMAIL":       "env@example.com",
		"PULSE_PASSWORD":    "env-password",
		"PULSE_ENVIRONMENT": "development",
		"PULSE_ACCOUNT_ID":  "111",
	}
	getenv := func(k string) string { return env[k] }

	t.Run("environment only", func(t *testing.T) {
		s, diags := resolveSettings(config(nil), getenv)
		if diags.HasError() {
			t.Fatalf("unexpected errors: %v", diags)
		}
		cfg := s.clientConfig("1.0.0", nil)
		if cfg.Email != "env@example.com" || cfg.Password != "env-password" || cfg.AccountID != "111" {
			t.Errorf("environment not used: %+v", cfg)
		}
		if cfg.BaseURL != "https://api.dev.pulsecrm.com" {
			t.Errorf("BaseURL = %q, want the development server", cfg.BaseURL)
		}
		if cfg.UserAgent != "terraform-provider-pulse/1.0.0" {
			t.Errorf("UserAgent = %q", cfg.UserAgent)
		}
	})

	t.Run("the block wins over the environment", func(t *testing.T) {
		s, diags := resolveSettings(config(func(m *providerModel) {
			m.Email = types.StringValue("block@example.com")
			m.Password = types.StringValue("block-password")
			m.AccountID = types.StringValue("222")
			m.BaseURL = types.StringValue("http://127.0.0.1:8787/")
		}), getenv)
		if diags.HasError() {
			t.Fatalf("unexpected errors: %v", diags)
		}
		cfg := s.clientConfig("1.0.0", nil)
		if cfg.Email != "block@example.com" || cfg.Password != "block-password" || cfg.AccountID != "222" {
			t.Errorf("block values not used: %+v", cfg)
		}
		if cfg.BaseURL != "http://127.0.0.1:8787" {
			t.Errorf("BaseURL = %q, want base_url over PULSE_ENVIRONMENT", cfg.BaseURL)
		}
	})

	t.Run("the block's environment wins over PULSE_BASE_URL", func(t *testing.T) {
		s, diags := resolveSettings(config(func(m *providerModel) {
			withKey(m)
			m.Environment = types.StringValue("production")
		}), func(k string) string { return map[string]string{"PULSE_BASE_URL": "http://127.0.0.1:8787"}[k] })
		if diags.HasError() {
			t.Fatalf("unexpected errors: %v", diags)
		}
		if got := s.resolvedBaseURL(); got != "https://api.pulsecrm.com" {
			t.Errorf("base URL = %q, want the production server named in the block", got)
		}
	})

	t.Run("production by default", func(t *testing.T) {
		s, diags := resolveSettings(config(withKey), func(string) string { return "" })
		if diags.HasError() {
			t.Fatalf("unexpected errors: %v", diags)
		}
		if got := s.resolvedBaseURL(); got != "https://api.pulsecrm.com" {
			t.Errorf("base URL = %q", got)
		}
		if s.apiSecret.value != "s3cret-value" || s.password.value != "" {
			t.Errorf("secrets = %q, %q", s.apiSecret.value, s.password.value)
		}
	})

	t.Run("unknown values are not checked against each other", func(t *testing.T) {
		s, diags := resolveSettings(config(func(m *providerModel) {
			m.APIKey = types.StringUnknown()
			m.APISecret = types.StringUnknown()
		}), func(string) string { return "" })
		if diags.HasError() {
			t.Fatalf("unexpected errors: %v", diags)
		}
		if !s.unknown {
			t.Error("settings not marked unknown")
		}
	})

	t.Run("max_retries unset leaves the client's default", func(t *testing.T) {
		s, _ := resolveSettings(config(withKey), getenv)
		if got := s.clientConfig("v", nil).MaxRetries; got != nil {
			t.Errorf("MaxRetries = %d, want nil (the client's default)", *got)
		}
	})

	t.Run("max_retries 0 disables retries", func(t *testing.T) {
		s, _ := resolveSettings(config(func(m *providerModel) { withKey(m); m.MaxRetries = types.Int64Value(0) }), getenv)
		if got := s.clientConfig("v", nil).MaxRetries; got == nil || *got != 0 {
			t.Errorf("MaxRetries = %v, want 0 (no retries)", got)
		}
	})
}

// Defect 11: with base_url set, environment is documented as ignored, yet a
// PULSE_ENVIRONMENT=staging left in a shell failed the configuration.
func TestDefect11_IgnoredEnvironmentIsNotValidated(t *testing.T) {
	for name, tc := range map[string]struct {
		model providerModel
		env   map[string]string
	}{
		"base_url in the block, PULSE_ENVIRONMENT in the shell": {
			model: config(func(m *providerModel) { withKey(m); m.BaseURL = types.StringValue("http://127.0.0.1:8787") }),
			env:   map[string]string{"PULSE_ENVIRONMENT": "staging"},
		},
		"both from the environment": {
			model: config(withKey),
			env:   map[string]string{"PULSE_ENVIRONMENT": "staging", "PULSE_BASE_URL": "http://127.0.0.1:8787"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			s, diags := resolveSettings(tc.model, func(k string) string { return tc.env[k] })
			if diags.HasError() {
				t.Fatalf("an ignored environment failed the configuration: %v", diags)
			}
			if got := s.resolvedBaseURL(); got != "http://127.0.0.1:8787" {
				t.Errorf("base URL = %q", got)
			}
		})
	}
	// An environment in the block still wins over PULSE_BASE_URL, so it is still checked.
	_, diags := resolveSettings(config(func(m *providerModel) { withKey(m); m.Environment = types.StringValue("staging") }),
		func(k string) string { return map[string]string{"PULSE_BASE_URL": "http://127.0.0.1:8787"}[k] })
	if !diags.HasError() {
		t.Error("an environment in the block that is in use was not checked")
	}
}

// Issue 15: plain HTTP is refused where it would leave the machine, and allowed to loopback
// or with the explicit opt-in.
func TestPlainHTTPAllowedOnlyLocallyOrByOptIn(t *testing.T) {
	for name, m := range map[string]providerModel{
		"loopback address": config(func(m *providerModel) { withKey(m); m.BaseURL = types.StringValue("http://127.0.0.1:8787") }),
		"localhost":        config(func(m *providerModel) { withKey(m); m.BaseURL = types.StringValue("http://localhost:8787") }),
		"IPv6 loopback":    config(func(m *providerModel) { withKey(m); m.BaseURL = types.StringValue("http://[::1]:8787") }),
		"opted in": config(func(m *providerModel) {
			withKey(m)
			m.BaseURL = types.StringValue("http://10.1.2.3:8080")
			m.AllowInsecureHTTP = types.BoolValue(true)
		}),
		"https anywhere": config(func(m *providerModel) { withKey(m); m.BaseURL = types.StringValue("https://10.1.2.3:8443") }),
	} {
		t.Run(name, func(t *testing.T) {
			if _, diags := resolveSettings(m, func(string) string { return "" }); diags.HasError() {
				t.Errorf("refused: %v", diags)
			}
		})
	}
}

// Issue 15, item 5: a PULSE_BASE_URL or PULSE_ENVIRONMENT that the provider block overrides
// is named in a warning, with the URL actually used and why; a variable that names the same
// server, or that only another variable overrides (as documented), is not.
func TestShadowedURLVariablesAreWarnedAbout(t *testing.T) {
	block := func(baseURL, environment string) providerModel {
		return config(func(m *providerModel) {
			withKey(m)
			if baseURL != "" {
				m.BaseURL = types.StringValue(baseURL)
			}
			if environment != "" {
				m.Environment = types.StringValue(environment)
			}
		})
	}
	for name, tc := range map[string]struct {
		model providerModel
		env   map[string]string
		want  []string // one text per warning
	}{
		"base_url over PULSE_BASE_URL": {
			model: block("http://127.0.0.1:8787", ""),
			env:   map[string]string{"PULSE_BASE_URL": "https://api.dev.pulsecrm.com"},
			want: []string{`PULSE_BASE_URL="https://api.dev.pulsecrm.com" is set in the environment, but base_url in the ` +
				`provider block wins over it: requests go to http://127.0.0.1:8787 (from base_url in the provider block). ` +
				`Unset PULSE_BASE_URL, or remove base_url from the provider block to use it.`},
		},
		"base_url over PULSE_ENVIRONMENT": {
			model: block("http://127.0.0.1:8787", ""),
			env:   map[string]string{"PULSE_ENVIRONMENT": "development"},
			want:  []string{`PULSE_ENVIRONMENT="development" is set in the environment, but base_url in the provider block wins`},
		},
		"environment over PULSE_BASE_URL": {
			model: block("", "production"),
			env:   map[string]string{"PULSE_BASE_URL": "http://127.0.0.1:8787"},
			want: []string{`PULSE_BASE_URL="http://127.0.0.1:8787" is set in the environment, but environment in the ` +
				`provider block wins over it: requests go to https://api.pulsecrm.com (the production environment, ` +
				`from environment in the provider block)`},
		},
		"environment over PULSE_ENVIRONMENT": {
			model: block("", "development"),
			env:   map[string]string{"PULSE_ENVIRONMENT": "production"},
			want:  []string{`PULSE_ENVIRONMENT="production" is set in the environment, but environment in the provider block wins`},
		},
		"both variables overridden": {
			model: block("http://127.0.0.1:8787", ""),
			env:   map[string]string{"PULSE_ENVIRONMENT": "development", "PULSE_BASE_URL": "https://proxy.example.com"},
			want:  []string{"PULSE_BASE_URL=", "PULSE_ENVIRONMENT="},
		},
		"a shadowed URL with credentials is not echoed whole": {
			model: block("http://127.0.0.1:8787", ""),
			env:   map[string]string{"PULSE_BASE_URL": "https://user:pa55word@proxy.example.com"},
			want:  []string{"PULSE_BASE_URL="},
		},
		"the same server":                {model: block("https://api.dev.pulsecrm.com/", ""), env: map[string]string{"PULSE_ENVIRONMENT": "development"}},
		"the same environment":           {model: block("", "development"), env: map[string]string{"PULSE_ENVIRONMENT": "development"}},
		"only variables":                 {model: block("", ""), env: map[string]string{"PULSE_ENVIRONMENT": "development", "PULSE_BASE_URL": "http://127.0.0.1:8787"}},
		"no variables":                   {model: block("http://127.0.0.1:8787", "development")},
		"base_url and environment alike": {model: block("http://127.0.0.1:8787", "production")},
	} {
		t.Run(name, func(t *testing.T) {
			s, diags := resolveSettings(tc.model, func(k string) string { return tc.env[k] })
			if diags.HasError() {
				t.Fatalf("unexpected errors: %v", diags)
			}
			warnings := s.shadowedWarnings()
			if len(warnings) != len(tc.want) {
				t.Fatalf("%d warnings, want %d: %v", len(warnings), len(tc.want), warnings)
			}
			for i, want := range tc.want {
				if !strings.Contains(warnings[i].Detail(), want) {
					t.Errorf("warning %d:\n%s\nwant it to contain:\n%s", i, warnings[i].Detail(), want)
				}
				if strings.Contains(warnings[i].Detail(), "pa55word") {
					t.Errorf("warning %d echoes a password in a URL: %s", i, warnings[i].Detail())
				}
			}
		})
	}
}

// Issue 15, item 5: the error of an API that does not answer says where its URL came from.
func TestBaseURLSource(t *testing.T) {
	for want, tc := range map[string]struct {
		model providerModel
		env   map[string]string
	}{
		"from base_url in the provider block": {model: config(func(m *providerModel) {
			withKey(m)
			m.BaseURL = types.StringValue("http://127.0.0.1:8787")
		})},
		"from PULSE_BASE_URL in the environment": {model: config(withKey), env: map[string]string{"PULSE_BASE_URL": "http://127.0.0.1:8787"}},
		"the development environment, from PULSE_ENVIRONMENT in the environment": {
			model: config(withKey), env: map[string]string{"PULSE_ENVIRONMENT": "development"},
		},
		"the production environment, from environment in the provider block": {model: config(func(m *providerModel) {
			withKey(m)
			m.Environment = types.StringValue("production")
		}), env: map[string]string{"PULSE_BASE_URL": "http://127.0.0.1:8787"}},
		"the default, production: neither base_url nor environment is set": {model: config(withKey)},
	} {
		s, diags := resolveSettings(tc.model, func(k string) string { return tc.env[k] })
		if diags.HasError() {
			t.Fatalf("%s: unexpected errors: %v", want, diags)
		}
		if _, got := s.baseURLAndSource(); !strings.HasPrefix(got, want) {
			t.Errorf("source = %q, want it to start %q", got, want)
		}
	}
}
