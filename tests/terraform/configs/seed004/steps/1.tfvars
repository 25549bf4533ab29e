active = "standby"
