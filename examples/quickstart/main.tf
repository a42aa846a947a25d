# The quickstart: point the provider at Pulse (or at the local emulator, as `make demo` does)
# with PULSE_BASE_URL, PULSE_API_KEY and PULSE_API_SECRET, then apply.
terraform {
  required_providers {
    pulse = {
      source = "registry.terraform.io/pulsecrm/pulse"
    }
  }
}

provider "pulse" {}

data "pulse_session" "current" {}

data "pulse_accounts" "all" {}

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
