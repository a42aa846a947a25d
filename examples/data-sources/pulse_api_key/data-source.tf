# One key, found by its public id.
data "pulse_api_key" "bootstrap" {
  api_key = "apiKey-emulatorbootstrap0000"
}

output "bootstrap_permissions" {
  value = data.pulse_api_key.bootstrap.permissions
}
