# A key whose secret is kept in the state and in saved plans, both encrypted by OpenTofu
# (encryption.tofu, which Terraform does not read). The credentials come from PULSE_*.
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
  permissions = ["readData"]
}

output "ci_api_secret" {
  value     = pulse_api_key.ci.api_secret
  sensitive = true
}
