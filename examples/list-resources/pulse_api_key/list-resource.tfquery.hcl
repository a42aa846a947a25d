# Every key of the provider's account (but the key the provider logs in with), each with its
# whole resource: `terraform query -generate-config-out=adopted.tf` writes an import block
# and a resource block for each, ready to apply.
list "pulse_api_key" "all" {
  provider         = pulse
  include_resource = true
}

# The keys of another account whose description starts with "ci-" and that still work.
list "pulse_api_key" "labs_ci" {
  provider         = pulse
  include_resource = true

  config {
    account_id        = "7402850364190630"
    description_regex = "^ci-"
    expired           = false
  }
}
