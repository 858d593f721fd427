"""The operator's bot chat (aiogram 3): one folder per feature, and what all features share."""
