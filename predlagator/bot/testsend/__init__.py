"""/test: one post sent now through the worker's account, and its outcome told back."""
