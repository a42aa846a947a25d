package provider

import (
	"context"
	"regexp"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/pulsecrm/terraform-provider-pulse/internal/pulseapi"
)

var (
	_ pulseapi.Logger = &logger{}

	// maskedFieldKeys are log field names whose values are always replaced, whoever logs them.
	maskedFieldKeys = []string{
		"api_secret", "apiSecret", "password", "token", "authorization", "Authorization", "x-api-secret", "secret",
	}

	// tokenPatterns are the shapes of Pulse session tokens: 64 hex characters in one build, a
	// JWT in another. A token is masked even where nobody knew it was one.
	tokenPatterns = []*regexp.Regexp{
		regexp.MustCompile(`\b[0-9a-fA-F]{64}\b`),
		regexp.MustCompile(`\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`),
	}
)

// logger writes the API client's log lines through tflog, with every secret the provider
// knows of masked: by field name always, and by value for each secret in the client's registry
// (the configured secret or password, every session token, created key secrets) long enough
// to mask without telling what it is, and anything shaped like a token.
type logger struct {
	secrets *pulseapi.Secrets
}

func newLogger(secrets *pulseapi.Secrets) *logger {
	return &logger{secrets: secrets}
}

// mask returns ctx with the provider's masking rules, so that every tflog call made with it
// (ours, and the client's, which includes go-retryablehttp's) is filtered.
func (l *logger) mask(ctx context.Context) context.Context {
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, maskedFieldKeys...)
	ctx = tflog.MaskAllFieldValuesRegexes(ctx, tokenPatterns...)
	ctx = tflog.MaskMessageRegexes(ctx, tokenPatterns...)
	if secrets := l.secrets.Maskable(); len(secrets) > 0 {
		ctx = tflog.MaskAllFieldValuesStrings(ctx, secrets...)
		ctx = tflog.MaskMessageStrings(ctx, secrets...)
	}
	return ctx
}

func (l *logger) Trace(ctx context.Context, msg string, fields map[string]any) {
	tflog.Trace(l.mask(ctx), msg, fields)
}

func (l *logger) Debug(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(l.mask(ctx), msg, fields)
}

func (l *logger) Warn(ctx context.Context, msg string, fields map[string]any) {
	tflog.Warn(l.mask(ctx), msg, fields)
}
