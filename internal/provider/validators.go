package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

var _ validator.String = rfc3339Validator{}

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

var (
	_ validator.String = notBlankValidator{}
	_ validator.Set    = notEmptySetValidator{}
)

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
