"""The /new_campaign wizard: name, batch, template, account, rate, retries, start, confirm."""
