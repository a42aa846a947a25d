# Adopting existing keys where `terraform query` is not available (OpenTofu, Terraform
# before 1.14): import blocks that iterate over the pulse_api_keys data source (Terraform and
# OpenTofu 1.7 and later). Every key of the account whose description starts with "legacy "
# is imported into pulse_api_key.legacy["<id>"], with its configuration taken from what Pulse
# holds, so that the apply imports them and changes nothing.
terraform {
  required_providers {
    pulse = {
      source = "registry.terraform.io/pulsecrm/pulse"
    }
  }
}

provider "pulse" {}

locals {
  account_id = "7402850364190630"
  legacy = {
    for key in data.pulse_api_keys.all.api_keys : key.id => key
    if startswith(key.description, "legacy ")
  }
}

data "pulse_api_keys" "all" {
  account_id = local.account_id
}

import {
  for_each = local.legacy
  to       = pulse_api_key.legacy[each.key]
  id       = "${local.account_id}/${each.key}"
}

resource "pulse_api_key" "legacy" {
  for_each = local.legacy

  account_id  = local.account_id
  description = each.value.description
  permissions = each.value.permissions
  expires_at  = each.value.expires_at
}

output "adopted" {
  value = { for id, key in pulse_api_key.legacy : id => key.description }
}
