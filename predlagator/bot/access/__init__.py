"""Who may do what: the access middleware, operators and roles, viewers refused, the audit log."""
