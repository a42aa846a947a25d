terraform {
  required_providers {
    pulse = {
      source = "registry.terraform.io/pulsecrm/pulse"
    }
  }
}

# Preferred for automation: an API key and its secret, here from variables that CI fills
# from its secret store. Every argument can instead come from a PULSE_* environment
# variable (PULSE_API_KEY, PULSE_API_SECRET, PULSE_ENVIRONMENT, PULSE_ACCOUNT_ID, ...).
provider "pulse" {
  api_key    = var.pulse_api_key
  api_secret = var.pulse_api_secret

  # The server: "production" (the default) or "development". PULSE_ENVIRONMENT, or
  # PULSE_BASE_URL for the emulator or a proxy, set it from outside when this is left out.
  # environment = "development"
}

variable "pulse_api_key" {
  type = string
}

# sensitive hides the secret from plan output, but a saved plan (plan -out) still holds it.
# With Terraform 1.10+ or OpenTofu 1.11+, add `ephemeral = true` to keep it out of saved
# plans, or leave api_secret out and export PULSE_API_SECRET instead.
variable "pulse_api_secret" {
  type      = string
  sensitive = true
}
