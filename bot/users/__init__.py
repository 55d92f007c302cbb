"""LINE users: the friends of the shop's LINE account."""
