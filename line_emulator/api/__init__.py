"""Blueprints answering the bot as LINE's API, data and access hosts would."""
