# One key, found by its public id: here the first key of the provider's account. A key can
# also be found by its numeric id, with `id` instead of `api_key`.
data "pulse_api_keys" "all" {}

data "pulse_api_key" "first" {
  api_key = data.pulse_api_keys.all.api_keys[0].api_key
}

output "first_key_permissions" {
  value = data.pulse_api_key.first.permissions
}
