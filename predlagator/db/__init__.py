"""PostgreSQL: the pool, migrations, named queries and typed repositories, the embedded server."""
