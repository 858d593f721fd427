"""Home: /start and /help, the command menu, /status, and the answer to anything else."""
