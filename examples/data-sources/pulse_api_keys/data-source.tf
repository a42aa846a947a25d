# Every key on the provider's account (never their secrets).
data "pulse_api_keys" "current" {}

# Keys that expire, for a review.
output "expiring_keys" {
  value = [for k in data.pulse_api_keys.current.api_keys : "${k.description} (${k.expires_at})" if k.expires_at != null]
}
