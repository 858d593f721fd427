"""The contract between processes: the Procrastinate app, task names, typed defer helpers."""
