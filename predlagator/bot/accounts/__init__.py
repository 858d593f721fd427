"""Sending accounts in the chat: their screens, and adding a Telegram account by logging it in."""
