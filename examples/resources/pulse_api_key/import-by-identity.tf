# Terraform 1.12 and later, OpenTofu 1.12 and later: import by identity. Leave account_id
# out for a key on the provider's account.
import {
  to = pulse_api_key.reporting
  identity = {
    account_id = "7402850364190630"
    id         = "43"
  }
}
