# The provider's account (its account_id, else the session's primary account).
data "pulse_account" "current" {}

# Another account the caller belongs to.
data "pulse_account" "labs" {
  account_id = "7402850364190630"
}

output "support_email" {
  value = data.pulse_account.current.customer_service_email
}
