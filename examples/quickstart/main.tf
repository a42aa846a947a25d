# The quickstart: point the provider at Pulse (or at the local emulator, as `make demo` does)
# with PULSE_BASE_URL, PULSE_EMAIL and PULSE_PASSWORD (an account administrator: the login
# that manages keys on every Pulse build), then apply. It reads who you are and which accounts
# you can act on, and creates two API keys on two accounts.
terraform {
  required_providers {
    pulse = {
      source = "registry.terraform.io/pulsecrm/pulse"
    }
  }
}

provider "pulse" {}

variable "reporting_account_id" {
  description = "The account of the reporting key: one you may write keys on. The default is the emulator's Acme Labs."
  type        = string
  default     = "7402850364190630"
}

variable "rotation" {
  description = "The reporting key's keeper: change it (`-var rotation=2027-q1`) to replace the key, and so its secret."
  type        = string
  default     = "2026-q4"
}

data "pulse_session" "current" {}

data "pulse_accounts" "all" {}

# A key on the session's primary account (no account_id), kept until it is destroyed.
resource "pulse_api_key" "ci" {
  description = "CI deployer"
  permissions = ["readApplications", "writeApplications"]
}

# A key on another account, replaced with a new secret whenever var.rotation changes.
# create_before_destroy creates the new key before it deletes the old one, so that there is
# never a moment without a valid key.
resource "pulse_api_key" "reporting" {
  account_id  = var.reporting_account_id
  description = "Reporting job"
  permissions = ["readData"]

  keepers = {
    rotation = var.rotation
  }

  lifecycle {
    create_before_destroy = true
  }
}

output "session" {
  value = {
    email       = data.pulse_session.current.email
    auth_method = data.pulse_session.current.auth_method
    account_id  = data.pulse_session.current.account_id
    roles       = data.pulse_session.current.roles
  }
}

output "accounts" {
  value = { for a in data.pulse_accounts.all.accounts : a.account_id => a.account_name }
}

locals {
  keys = {
    ci        = pulse_api_key.ci
    reporting = pulse_api_key.reporting
  }
}

# Everything about the keys but their secrets: safe to print.
output "keys" {
  value = {
    for name, k in local.keys : name => {
      id                  = k.id
      account_id          = k.account_id
      api_key             = k.api_key
      last_four_of_secret = k.last_four_of_secret
    }
  }
}

# The reporting key's secret. Sensitive: the CLI shows it as <sensitive> after apply and in
# `tofu output`, but `tofu output reporting_api_secret` (the name without -raw) prints it in
# clear. A secret manager reads it with `tofu output -raw reporting_api_secret`, straight into
# its store.
output "reporting_api_secret" {
  value     = pulse_api_key.reporting.api_secret
  sensitive = true
}
