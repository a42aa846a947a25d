# A key for this run only, with the one permission a reporting step needs. The provider
# creates it when the run starts to need it and deletes it when the run is done with it; if
# the run is killed first, the key stops working on its own within its ttl. Its secret is
# never written to the state or to a saved plan.
ephemeral "pulse_api_key" "reporting" {
  description = "nightly reporting run"
  permissions = ["readData"]
  ttl         = "2h"
}

# A second provider configuration that acts with that key, and so with readData alone:
# least privilege for everything that uses it.
provider "pulse" {
  alias      = "reporting"
  api_key    = ephemeral.pulse_api_key.reporting.api_key
  api_secret = ephemeral.pulse_api_key.reporting.api_secret
}

data "pulse_session" "reporting" {
  provider = pulse.reporting
}

output "reporting_permissions" {
  value = data.pulse_session.reporting.permissions
}
