# A key that rotates itself, and a secret store that follows it. Point the provider at Pulse
# (or at the local emulator) with PULSE_BASE_URL and credentials that hold writeApiKeys, then
# apply on a schedule, such as a nightly CI job: the first plan after `every` creates a new key
# and secret, updates the store in the same apply, and leaves the previous key working for
# `overlap`, after which Pulse refuses it and the next apply deletes it.
terraform {
  required_providers {
    pulse = {
      source = "registry.terraform.io/pulsecrm/pulse"
    }
  }
}

provider "pulse" {}

resource "pulse_api_key" "ci" {
  description = "CI deployer"
  permissions = ["readApplications"]

  rotation = {
    every   = "720h" # a new key and secret every 30 days
    overlap = "72h"  # the previous secret keeps working for 3 more days
  }
}

# A stand-in for a secret manager (vault_kv_secret_v2, aws_secretsmanager_secret_version, a
# GitHub Actions secret...): anything that stores api_secret gets the new one in the apply that
# rotates the key, so consumers have the whole overlap to switch.
resource "terraform_data" "secret_store" {
  input = {
    api_key    = pulse_api_key.ci.api_key
    api_secret = pulse_api_key.ci.api_secret
  }
}

# Which secret is live, without revealing it.
output "ci_last_four_of_secret" {
  value = pulse_api_key.ci.last_four_of_secret
}

# The key being retired, while it still works.
output "ci_previous" {
  value = pulse_api_key.ci.previous
}
