# Every account the caller can see.
data "pulse_accounts" "all" {}

# Only accounts whose name contains "acme".
data "pulse_accounts" "acme" {
  name = "acme"
}

output "account_ids" {
  value = [for a in data.pulse_accounts.all.accounts : a.account_id]
}
