# A key on the provider's account, by its id:
terraform import pulse_api_key.ci 42

# A key on another account, by <account_id>/<id>:
terraform import pulse_api_key.reporting 7402850364190630/43
