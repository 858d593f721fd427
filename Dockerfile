# Predlagator: one image for every process; the command picks it (run, bot, worker, migrate, login).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_NO_CACHE=1 \
    DATA_DIR=/data

# uv from PyPI, pinned to the version that wrote uv.lock; no apt packages are needed.
RUN pip install --no-cache-dir "uv==0.13.*"

# A fixed uid/gid, so volumes keep their owner across rebuilds and hosts can map it. Not root:
# the embedded PostgreSQL (`run` without DATABASE_URL) refuses to run as root.
RUN groupadd --gid 10001 predlagator \
    && useradd --create-home --uid 10001 --gid 10001 predlagator \
    && mkdir -p /data \
    && chown predlagator:predlagator /data

WORKDIR /app

# Dependencies first: this layer is rebuilt only when the lock changes, not on every edit.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project

COPY README.md ./
COPY predlagator ./predlagator
RUN uv sync --locked --no-dev

ENV PATH=/app/.venv/bin:$PATH
# Numeric, so orchestrators can verify it is not root (runAsNonRoot); it is `predlagator`.
USER 10001:10001
VOLUME ["/data"]

ENTRYPOINT ["predlagator"]
CMD ["run"]
