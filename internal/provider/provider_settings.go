package provider

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pulsecrm/terraform-provider-pulse/internal/pulseapi"
)

// environments maps the documented environment names to their servers.
var environments = map[string]string{
	"production":  "https://api.pulsecrm.com",
	"development": "https://api.dev.pulsecrm.com",
}

var accountIDPattern = regexp.MustCompile(`^[0-9]+$`)

// setting is one provider argument after the provider block and the environment have been
// merged, remembering where it came from so that errors point at the right place.
type setting struct {
	value   string
	attr    string
	env     string
	fromEnv bool
	unknown bool
	// envValue is the PULSE_* variable's value, also when the provider block's value wins
	// over it: a shadowed variable is worth a warning where it changes the server.
	envValue string
}

func (s setting) set() bool { return s.value != "" }

// where says where the value came from, in the words a user would search their files for.
func (s setting) where() string {
	if s.fromEnv {
		return s.env + " in the environment"
	}
	return s.attr + " in the provider block"
}

// both names the two places a value can be set.
func (s setting) both() string {
	return fmt.Sprintf("%s in the provider block or %s in the environment", s.attr, s.env)
}

// settings is the provider configuration, resolved and checked.
type settings struct {
	apiKey, apiSecret, email, password setting
	environment, baseURL, accountID    setting

	maxRetries           *int64 // nil = the client's default
	requestTimeout       time.Duration
	maxRetryWait         time.Duration
	maxRequestsPerSecond float64

	// unknown is true when some value is not known yet at plan time.
	unknown bool
}

// resolveSettings merges the provider block with the PULSE_* environment (the block wins)
// and checks the result. Values unknown at plan time are not checked against each other:
// that happens once they are known.
func resolveSettings(m providerModel, getenv func(string) string) (settings, diag.Diagnostics) {
	var diags diag.Diagnostics
	var s settings

	pick := func(v types.String, attr, env string) setting {
		st := setting{attr: attr, env: env, envValue: getenv(env)}
		switch {
		case v.IsUnknown():
			st.unknown = true
			s.unknown = true
		case !v.IsNull():
			if v.ValueString() == "" {
				diags.AddAttributeError(path.Root(attr), "Empty "+attr,
					fmt.Sprintf("%s is set to an empty string. Give it a value, or remove it to read %s from the environment.", attr, env))
			}
			st.value = v.ValueString()
		default:
			st.value = st.envValue
			st.fromEnv = st.value != ""
		}
		return st
	}

	s.apiKey = pick(m.APIKey, "api_key", "PULSE_API_KEY")
	s.apiSecret = pick(m.APISecret, "api_secret", "PULSE_API_SECRET")
	s.email = pick(m.Email, "email", "PULSE_EMAIL")
	s.password = pick(m.Password, "password", "PULSE_PASSWORD")
	s.environment = pick(m.Environment, "environment", "PULSE_ENVIRONMENT")
	s.baseURL = pick(m.BaseURL, "base_url", "PULSE_BASE_URL")
	s.accountID = pick(m.AccountID, "account_id", "PULSE_ACCOUNT_ID")

	if diags.HasError() {
		return s, diags
	}

	checkCredentials(&s, &diags)

	// An environment that base_url overrides is ignored, as documented: a PULSE_ENVIRONMENT
	// left in a shell must not fail a configuration that names its server.
	if s.environment.set() && !s.environmentOverridden() {
		if _, ok := environments[s.environment.value]; !ok {
			addSettingError(&diags, s.environment, "Unknown Pulse environment",
				fmt.Sprintf("%s is %q; it must be \"production\" or \"development\". To reach another server, set %s.",
					s.environment.where(), s.environment.value, s.baseURL.both()))
		}
	}

	if s.baseURL.set() {
		// Never echoed whole: user info in a URL is a credential.
		shown := pulseapi.SafeURL(s.baseURL.value)
		u, err := url.Parse(s.baseURL.value)
		switch {
		case err == nil && u.User != nil, err != nil && shown != s.baseURL.value:
			addSettingError(&diags, s.baseURL, "Invalid Pulse base URL",
				fmt.Sprintf("%s is %q: it carries credentials (user:password@), which the provider would send to "+
					"every proxy on the way. Remove them and set the credentials with api_key and api_secret, or email "+
					"and password.", s.baseURL.where(), shown))
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			addSettingError(&diags, s.baseURL, "Invalid Pulse base URL",
				fmt.Sprintf("%s is %q, which is not an absolute http(s) URL. Write it with its scheme and host, "+
					"such as https://api.pulsecrm.com or http://127.0.0.1:8787.", s.baseURL.where(), shown))
		case u.Scheme == "http" && !isLoopback(u.Hostname()) && !m.AllowInsecureHTTP.ValueBool() && !m.AllowInsecureHTTP.IsUnknown():
			addSettingError(&diags, s.baseURL, "Unencrypted Pulse base URL",
				fmt.Sprintf("%s is %q: plain HTTP would carry the API secret or password, and every session token, "+
					"unencrypted to %s and anyone on the way. Use https://, or, on a private network you trust, set "+
					"allow_insecure_http = true in the provider block. (Loopback addresses, such as the emulator's "+
					"http://127.0.0.1:8787, need neither.)", s.baseURL.where(), shown, u.Hostname()))
		}
	}

	if s.accountID.set() && !accountIDPattern.MatchString(s.accountID.value) {
		addSettingError(&diags, s.accountID, "Invalid Pulse account id",
			fmt.Sprintf("%s is %q, which is not a Pulse account id: account ids are strings of digits, such as 6591739253089529.",
				s.accountID.where(), s.accountID.value))
	}

	if !m.MaxRetries.IsNull() && !m.MaxRetries.IsUnknown() {
		s.maxRetries = m.MaxRetries.ValueInt64Pointer()
	}
	if !m.MaxRequestsPerSecond.IsNull() && !m.MaxRequestsPerSecond.IsUnknown() {
		s.maxRequestsPerSecond = m.MaxRequestsPerSecond.ValueFloat64()
	}
	s.requestTimeout = durationSetting(m.RequestTimeout, "request_timeout", "Invalid request timeout", &diags)
	s.maxRetryWait = durationSetting(m.MaxRetryWait, "max_retry_wait", "Invalid retry wait", &diags)
	if m.MaxRetries.IsUnknown() || m.MaxRequestsPerSecond.IsUnknown() || m.RequestTimeout.IsUnknown() || m.MaxRetryWait.IsUnknown() {
		s.unknown = true
	}

	return s, diags
}

// durationSetting parses a positive Go duration; null or unknown is 0, the client's default.
func durationSetting(v types.String, attr, summary string, diags *diag.Diagnostics) time.Duration {
	if v.IsNull() || v.IsUnknown() {
		return 0
	}
	d, err := time.ParseDuration(v.ValueString())
	if err != nil || d <= 0 {
		diags.AddAttributeError(path.Root(attr), summary,
			fmt.Sprintf("%s is %q; write a positive Go duration such as \"30s\" or \"2m\".", attr, v.ValueString()))
		return 0
	}
	return d
}

// checkCredentials demands exactly one complete credential pair.
func checkCredentials(s *settings, diags *diag.Diagnostics) {
	if s.apiKey.unknown || s.apiSecret.unknown || s.email.unknown || s.password.unknown {
		return
	}

	const methods = "Set api_key and api_secret in the provider block (or PULSE_API_KEY and PULSE_API_SECRET in the environment), " +
		"or email and password (or PULSE_EMAIL and PULSE_PASSWORD)."

	keyPair := s.apiKey.set() || s.apiSecret.set()
	loginPair := s.email.set() || s.password.set()

	switch {
	case keyPair && loginPair:
		diags.AddError("Conflicting Pulse credentials",
			fmt.Sprintf("The provider was given an API key (%s) and a user login (%s). Use one method only: "+
				"remove api_key and api_secret (PULSE_API_KEY, PULSE_API_SECRET), or email and password (PULSE_EMAIL, PULSE_PASSWORD). "+
				"An API key is preferred for automation.",
				firstSet(s.apiKey, s.apiSecret).where(), firstSet(s.email, s.password).where()))
	case !keyPair && !loginPair:
		diags.AddError("Missing Pulse credentials", "The provider has no credentials. "+methods)
	case keyPair:
		checkPair(s.apiKey, s.apiSecret, "API key", diags)
	default:
		checkPair(s.email, s.password, "login", diags)
	}
}

// checkPair reports the missing half of a credential pair.
func checkPair(a, b setting, what string, diags *diag.Diagnostics) {
	if a.set() && b.set() {
		return
	}
	have, missing := a, b
	if !a.set() {
		have, missing = b, a
	}
	detail := fmt.Sprintf("%s is set (%s) but %s is not. Set %s.", have.attr, have.where(), missing.attr, missing.both())
	diags.AddAttributeError(path.Root(missing.attr), "Incomplete Pulse "+what+" credentials", detail)
}

func firstSet(a, b setting) setting {
	if a.set() {
		return a
	}
	return b
}

// addSettingError points at the attribute when the value came from the provider block.
func addSettingError(diags *diag.Diagnostics, s setting, summary, detail string) {
	if s.fromEnv {
		diags.AddError(summary, detail)
		return
	}
	diags.AddAttributeError(path.Root(s.attr), summary, detail)
}

// isLoopback reports whether host names this machine: traffic to it never leaves it.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// environmentOverridden reports whether a base_url set in the block, or in PULSE_BASE_URL
// when the environment too comes from PULSE_*, makes the environment irrelevant.
func (s settings) environmentOverridden() bool {
	return s.baseURL.set() && (!s.baseURL.fromEnv || s.environment.fromEnv)
}

// resolvedBaseURL is base_url when set, else the environment's server. The block wins over
// PULSE_* variables here too: a stray PULSE_BASE_URL in a shell must not redirect a
// configuration that names its environment.
func (s settings) resolvedBaseURL() string {
	url, _ := s.baseURLAndSource()
	return url
}

// baseURLAndSource is resolvedBaseURL and where it came from, in the words of a user looking
// for it in their files or their shell.
func (s settings) baseURLAndSource() (string, string) {
	for _, fromEnv := range []bool{false, true} {
		if s.baseURL.set() && s.baseURL.fromEnv == fromEnv {
			return strings.TrimRight(s.baseURL.value, "/"), "from " + s.baseURL.where()
		}
		if s.environment.set() && s.environment.fromEnv == fromEnv {
			return environments[s.environment.value], fmt.Sprintf("the %s environment, from %s",
				s.environment.value, s.environment.where())
		}
	}
	return environments["production"], "the default, production: neither base_url nor environment is set in " +
		"the provider block or in PULSE_BASE_URL or PULSE_ENVIRONMENT"
}

// shadowedWarnings are the PULSE_BASE_URL and PULSE_ENVIRONMENT variables that the provider
// block overrides, where they name another server than the one used: someone set them
// expecting them to count. One set but overridden by the other variable is documented and
// not warned about.
func (s settings) shadowedWarnings() diag.Diagnostics {
	var diags diag.Diagnostics
	var winner setting
	switch {
	case s.baseURL.set() && !s.baseURL.fromEnv:
		winner = s.baseURL
	case s.environment.set() && !s.environment.fromEnv:
		winner = s.environment
	default:
		return diags
	}
	used, from := s.baseURLAndSource()
	for _, shadowed := range []setting{s.baseURL, s.environment} {
		env := shadowed.envValue
		if env == "" {
			continue
		}
		envURL, known := strings.TrimRight(env, "/"), true
		if shadowed.attr == "environment" {
			envURL, known = environments[env]
		}
		if known && envURL == used {
			continue
		}
		diags.AddWarning(shadowed.env+" is ignored",
			fmt.Sprintf("%s=%q is set in the environment, but %s in the provider block wins over it: requests go to "+
				"%s (%s). Unset %s, or remove %s from the provider block to use it.",
				shadowed.env, pulseapi.SafeURL(env), winner.attr, pulseapi.SafeURL(used), from, shadowed.env, winner.attr))
	}
	return diags
}

func (s settings) clientConfig(version string, logger pulseapi.Logger) pulseapi.Config {
	cfg := pulseapi.Config{
		BaseURL:           s.resolvedBaseURL(),
		APIKey:            s.apiKey.value,
		APISecret:         s.apiSecret.value,
		Email:             s.email.value,
		Password:          s.password.value,
		AccountID:         s.accountID.value,
		UserAgent:         "terraform-provider-pulse/" + version,
		RequestTimeout:    s.requestTimeout,
		MaxRetryWait:      s.maxRetryWait,
		RequestsPerSecond: s.maxRequestsPerSecond,
		Logger:            logger,
	}
	if s.maxRetries != nil {
		n := int(*s.maxRetries)
		cfg.MaxRetries = &n
	}
	return cfg
}
