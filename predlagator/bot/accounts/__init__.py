"""The sending accounts: /accounts, their screens and changes."""
