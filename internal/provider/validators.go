package provider

import (
	"context"
	"fmt"
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
