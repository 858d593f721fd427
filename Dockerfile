# Predlagator: one image for every process; the command picks it (run, bot, worker, migrate, login).
# Debian 12 (bookworm) named, not implied: the apt package below is pinned to its version.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_NO_CACHE=1 \
    DATA_DIR=/data

# DejaVu for the report chart's Russian labels (Pillow's own font is Latin only; without it the
# chart falls back to English). It installs DejaVuSans.ttf in /usr/share/fonts/truetype/dejavu/.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core=2.37-6 \
    && rm -rf /var/lib/apt/lists/*

# uv from PyPI, pinned to the version that wrote uv.lock.
RUN pip install --no-cache-dir "uv==0.13.*"

# A fixed uid/gid, so volumes keep their owner across rebuilds and hosts can map it. Not root:
# the embedded PostgreSQL (`run` without DATABASE_URL) refuses to run as root. /data exists and
# is ours, so a named volume mounted there starts with this owner.
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
# No VOLUME: every container of the image would get a new anonymous volume at /data on each
# start, also the ones that keep nothing there (bot, migrate). Mount one where it is used:
# compose gives the worker its `sessions` volume; `docker run -v predlagator-data:/data ...`.

ENTRYPOINT ["predlagator"]
CMD ["run"]
