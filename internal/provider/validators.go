package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

var (
	_ validator.String = rfc3339Validator{}
	_ validator.String = regexValidator{}
	_ validator.String = ttlValidator{}
	_ validator.String = notBlankValidator{}
	_ validator.Set    = notEmptySetValidator{}
)

// rfc3339Validator accepts a timestamp in RFC 3339, the form the Pulse API speaks.
type rfc3339Validator struct{}

func (v rfc3339Validator) Description(_ context.Context) string {
	return "value must be an RFC 3339 timestamp, such as 2027-01-31T00:00:00Z"
}

func (v rfc3339Validator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v rfc3339Validator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := time.Parse(time.RFC3339, req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid RFC 3339 timestamp",
			fmt.Sprintf("%s is %q, which is not an RFC 3339 timestamp. Write a date, time and offset, such as "+
				"2027-01-31T00:00:00Z or 2027-01-31T09:30:00+02:00.", req.Path, req.ConfigValue.ValueString()))
	}
}

// regexValidator accepts an RE2 regular expression, as Go's regexp compiles it.
type regexValidator struct{}

func (v regexValidator) Description(_ context.Context) string {
	return "value must be an RE2 regular expression"
}

func (v regexValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v regexValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := regexp.Compile(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid regular expression",
			fmt.Sprintf("%s is %q, which is not an RE2 regular expression: %s. Escape characters such as ( [ . * + ? "+
				"with a backslash (written \\\\ in HCL) to match them literally.", req.Path, req.ConfigValue.ValueString(), err))
	}
}

// permissionSetValidators check the shape of a key's permissions; whether the account can
// grant them is asked of Pulse at plan time (checkPermissionNames).
func permissionSetValidators() []validator.Set {
	return []validator.Set{
		notEmptySetValidator{hint: `grant at least one permission, such as permissions = ["readData"]; ` +
			`the pulse_permissions data source lists those an account can grant`},
		setvalidator.ValueStringsAre(stringvalidator.RegexMatches(regexp.MustCompile(`^\S+$`),
			"must be a permission name, such as readApplications, without spaces")),
	}
}

// ttlValidator accepts a Go duration within [min, max].
type ttlValidator struct {
	min, max time.Duration
}

func (v ttlValidator) Description(_ context.Context) string {
	return fmt.Sprintf("value must be a Go duration from %s to %s", formatTTL(v.min), formatTTL(v.max))
}

func (v ttlValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v ttlValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid ttl",
			fmt.Sprintf("%s is %q, which is not a duration. Write a Go duration such as \"30m\" or \"2h\".", req.Path, req.ConfigValue.ValueString()))
		return
	}
	if d < v.min || d > v.max {
		resp.Diagnostics.AddAttributeError(req.Path, "ttl out of range",
			fmt.Sprintf("%s is %s; it must be from %s to %s. An ephemeral key is meant to outlive one run, not to "+
				"stand in for a managed pulse_api_key.", req.Path, req.ConfigValue.ValueString(), formatTTL(v.min), formatTTL(v.max)))
	}
}

// notBlankValidator refuses an empty or blank string with a message written for the
// attribute, where the framework's own would end in an empty "got: ".
type notBlankValidator struct {
	hint string // what to write instead, such as `say what the key is for, such as "CI deployer"`
}

func (v notBlankValidator) Description(_ context.Context) string {
	return "value must not be empty or blank"
}

func (v notBlankValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v notBlankValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || strings.TrimSpace(req.ConfigValue.ValueString()) != "" {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, fmt.Sprintf("Empty %s", req.Path),
		fmt.Sprintf("%s is empty or only white space: %s.", req.Path, v.hint))
}

// notEmptySetValidator refuses an empty set with a message written for the attribute, where
// the framework's own reads "set must contain at least 1 elements, got: 0".
type notEmptySetValidator struct {
	hint string
}

func (v notEmptySetValidator) Description(_ context.Context) string {
	return "set must not be empty"
}

func (v notEmptySetValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v notEmptySetValidator) ValidateSet(_ context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || len(req.ConfigValue.Elements()) > 0 {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, fmt.Sprintf("Empty %s", req.Path),
		fmt.Sprintf("%s is empty: %s.", req.Path, v.hint))
}
