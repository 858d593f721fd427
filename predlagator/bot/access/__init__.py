"""Who may do what: the access middleware, operators and roles, the viewers' stop, the audit log."""
