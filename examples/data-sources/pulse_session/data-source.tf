# Who is the provider logged in as, and on which accounts?
data "pulse_session" "current" {}

output "logged_in_as" {
  value = "${data.pulse_session.current.email} (${data.pulse_session.current.auth_method})"
}

output "can_manage_keys" {
  value = contains(data.pulse_session.current.permissions, "writeApiKeys")
}
