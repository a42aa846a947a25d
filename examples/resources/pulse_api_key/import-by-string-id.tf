# Terraform 1.5 and later, OpenTofu 1.6 and later: import by a string id, "<id>" on the
# provider's account or "<account_id>/<id>".
import {
  to = pulse_api_key.ci
  id = "42"
}
