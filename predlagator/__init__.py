"""Predlagator: posts into Telegram channels from user accounts, steered from a bot chat."""
