"""Everything that talks to LINE: the one client, message delivery, postback codec."""
