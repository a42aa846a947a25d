package provider

import (
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

// timeValue renders an API time as RFC 3339 in UTC, and the zero time as null.
func timeValue(t time.Time) types.String {
	if t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}

// nonNil keeps an absent list from the API as an empty list rather than null, so that
// configurations can use length() on it without guarding.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// optionalString renders an API string that may be absent as null.
func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// expiryValue renders a key's expiry in RFC 3339 to the millisecond that Pulse keeps, not to
// the second: configuration written from it (by `terraform query -generate-config-out`, or
// from the pulse_api_keys data source) then names the key's very instant and plans no update.
func expiryValue(t time.Time) types.String {
	return types.StringValue(t.UTC().Truncate(time.Millisecond).Format(time.RFC3339Nano))
}
