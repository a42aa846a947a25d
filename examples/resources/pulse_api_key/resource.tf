# A key for a CI pipeline on the provider's account.
resource "pulse_api_key" "ci" {
  description = "CI deployer"
  permissions = ["readApplications", "writeApplications"]
  expires_at  = "2099-12-31T00:00:00Z"
}

# A key that rotates itself: every 30 days a plan creates a new key and secret in place, and
# the previous key keeps working for 3 more days, then Pulse refuses it.
resource "pulse_api_key" "deployer" {
  description = "Deployer"
  permissions = ["readApplications"]

  rotation = {
    every   = "720h"
    overlap = "72h"
  }
}

# A key on another account that is replaced, with a new secret, whenever the keeper changes.
# create_before_destroy makes the new key exist before the old one is deleted.
resource "pulse_api_key" "reporting" {
  account_id  = "7402850364190630"
  description = "Reporting job"
  permissions = ["readData"]

  keepers = {
    rotation = "2026-q4"
  }

  lifecycle {
    create_before_destroy = true
  }
}

# The secret is sensitive: hand it to a secret manager, or read it once with
# `tofu output -raw ci_api_secret`.
output "ci_api_secret" {
  value     = pulse_api_key.ci.api_secret
  sensitive = true
}
