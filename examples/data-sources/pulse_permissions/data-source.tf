# The permissions that can be granted on the provider's account.
data "pulse_permissions" "grantable" {}

# A key that can read everything readable.
resource "pulse_api_key" "reader" {
  description = "Read-only auditor"
  permissions = [for p in data.pulse_permissions.grantable.names : p if startswith(p, "read")]
}
