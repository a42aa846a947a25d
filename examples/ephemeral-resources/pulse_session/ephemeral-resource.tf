# A fresh session token for a script that calls the Pulse API during the apply. The token
# reaches the script through its environment only: it is never written to the state or to
# a saved plan, and the command line Terraform logs does not hold it.
ephemeral "pulse_session" "script" {}

resource "terraform_data" "report" {
  provisioner "local-exec" {
    command = "curl -fsS -o /dev/null -H \"Authorization: Bearer $PULSE_TOKEN\" -H \"X-Account-ID: $PULSE_ACCOUNT\" \"$PULSE_URL/auth/session\""
    environment = {
      PULSE_TOKEN   = ephemeral.pulse_session.script.token
      PULSE_ACCOUNT = ephemeral.pulse_session.script.account_id
      PULSE_URL     = ephemeral.pulse_session.script.base_url
    }
  }
}
