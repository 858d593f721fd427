# Developer shortcuts; CI runs .ci/run, which does the same steps on a fresh clone.
.PHONY: all format lint typecheck test ci

all: lint typecheck test

format:
	uv run ruff format .
	uv run ruff check --fix .

lint:
	uv run ruff format --check .
	uv run ruff check .

typecheck:
	uv run mypy

test:
	uv run pytest

ci:
	bash .ci/run
