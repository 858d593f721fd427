"""Benchmarks: each prints its figures as one JSON object on its last line.

Run as `uv run python bench/NAME.py`. Python then puts this folder first on sys.path, where
concurrent.py would shadow the standard library's `concurrent` package that asyncio imports;
so every script drops this folder from sys.path before importing anything else. The project
root is on sys.path already (editable install), so `bench.common` and `tests.*` still import.
"""
