"""Deployment files: compose and Dockerfile pass their linters and have the agreed shape."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from predlagator.bot.reports import chart
from predlagator.config import Settings

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("migrate", "bot", "worker")
COMPOSE_DATABASE_URL = "postgresql://predlagator:predlagator@postgres:5432/predlagator"


def tool(name: str) -> str:
    """Find a dev tool installed next to this Python (the venv), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} not found; `uv sync` installs it with the dev group")
    return found


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a tool without the caller's COMPOSE_*/DOCKER_* settings leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "DOCKER_"))}
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def compose(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `docker-compose` on a copy of our compose file in `project` (a fresh-clone stand-in)."""
    shutil.copy(ROOT / "docker-compose.yml", project / "docker-compose.yml")
    return run(
        tool("docker-compose"),
        "-f",
        str(project / "docker-compose.yml"),
        "--project-directory",
        str(project),
        *args,
        cwd=project,
    )


def compose_config(project: Path) -> dict[str, Any]:
    """The compose model as `docker-compose config` resolves it."""
    result = compose(project, "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = json.loads(result.stdout)
    return config


def test_compose_config_validates_without_env_file(tmp_path: Path) -> None:
    assert not (tmp_path / ".env").exists()
    result = compose(tmp_path, "config", "-q")
    assert result.returncode == 0, result.stderr


def test_compose_services_and_order(tmp_path: Path) -> None:
    services = compose_config(tmp_path)["services"]
    assert set(services) == {"postgres", *APP_SERVICES}

    migrate = services["migrate"]
    assert migrate["command"] == ["migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("bot", "worker"):
        service = services[name]
        assert service["command"] == [name]
        assert service["restart"] == "unless-stopped"
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_app_services_share_one_image_and_database(tmp_path: Path) -> None:
    services = compose_config(tmp_path)["services"]
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1
    for name in APP_SERVICES:
        assert services[name]["environment"]["DATABASE_URL"] == COMPOSE_DATABASE_URL


def test_compose_builds_the_image_once(tmp_path: Path) -> None:
    # Every app service with `build:` is a build of its own on `up --build`: one builds it, the
    # others start from the same image name, and depend on the builder so it exists first.
    services = compose_config(tmp_path)["services"]
    builders = [name for name in APP_SERVICES if "build" in services[name]]
    assert builders == ["migrate"]
    assert services["migrate"]["build"]["context"] == str(tmp_path)
    assert {services[name]["image"] for name in APP_SERVICES} == {services["migrate"]["image"]}
    for name in APP_SERVICES:
        if name != "migrate":
            assert "migrate" in services[name]["depends_on"]


def dockerfile_volumes() -> list[str]:
    """The paths of every VOLUME instruction in the Dockerfile (JSON or plain form)."""
    paths: list[str] = []
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        words = line.strip().split(None, 1)
        if len(words) == 2 and words[0].upper() == "VOLUME":
            value = words[1].strip()
            paths += json.loads(value) if value.startswith("[") else value.split()
    return paths


def test_compose_leaves_no_anonymous_volume(tmp_path: Path) -> None:
    # A VOLUME in the image that a service does not mount becomes a new anonymous volume on
    # every `up`, left dangling by `down`; compose's own short form `- /path` does the same.
    config = compose_config(tmp_path)
    for name in APP_SERVICES:
        mounts = config["services"][name].get("volumes", [])
        targets = {mount["target"] for mount in mounts}
        for path in dockerfile_volumes():
            assert path in targets, f"{name} leaves the image's VOLUME {path} anonymous"
    for service in config["services"].values():
        for mount in service.get("volumes", []):
            if mount["type"] == "volume":
                assert mount.get("source") in config["volumes"], mount


def test_compose_worker_keeps_sessions_in_a_named_volume(tmp_path: Path) -> None:
    config = compose_config(tmp_path)
    worker = config["services"]["worker"]
    data_dir = worker["environment"]["DATA_DIR"]
    sessions = [v for v in worker["volumes"] if v["target"] == data_dir]
    assert len(sessions) == 1
    assert sessions[0]["type"] == "volume"
    assert sessions[0]["source"] in config["volumes"]
    assert worker["restart"] == "unless-stopped"


def test_compose_postgres_is_healthchecked_on_a_named_volume(tmp_path: Path) -> None:
    config = compose_config(tmp_path)
    postgres = config["services"]["postgres"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert postgres["restart"] == "unless-stopped"
    assert postgres["environment"]["POSTGRES_USER"] == "predlagator"
    assert postgres["environment"]["POSTGRES_DB"] == "predlagator"
    # Room for several workers' drains, each keeping a connection while its account sends.
    assert postgres["command"] == ["postgres", "-c", "max_connections=300"]
    data = [v for v in postgres["volumes"] if v["target"] == "/var/lib/postgresql/data"]
    assert len(data) == 1
    assert data[0]["type"] == "volume"
    assert data[0]["source"] in config["volumes"]


def test_compose_reads_env_file_but_keeps_its_database(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("OWNER_IDS=42\nDATABASE_URL=postgresql://elsewhere/db\n")
    services = compose_config(tmp_path)["services"]
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert environment["OWNER_IDS"] == "42"
        assert environment["DATABASE_URL"] == COMPOSE_DATABASE_URL


def test_dockerfile_passes_hadolint() -> None:
    result = run(tool("hadolint"), "--failure-threshold", "warning", "Dockerfile", cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_shape() -> None:
    text = (ROOT / "Dockerfile").read_text()
    instructions = [
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    ]
    users = [line.split(None, 1)[1] for line in instructions if line.startswith("USER ")]
    assert users, "the image must not run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}

    lock_copy = text.index("COPY pyproject.toml uv.lock")
    deps_sync = text.index("uv sync --locked --no-dev --no-install-project")
    package_copy = text.index("COPY predlagator")
    project_sync = text.index("uv sync --locked --no-dev\n")
    assert lock_copy < deps_sync < package_copy < project_sync
    assert 'ENTRYPOINT ["predlagator"]' in instructions
    assert re.search(r"^FROM python:3\.11-slim", text, re.MULTILINE)


# Where Debian's fonts-dejavu-core puts the font (`dpkg -L fonts-dejavu-core`).
DEJAVU_SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def test_dockerfile_installs_the_charts_cyrillic_font() -> None:
    text = (ROOT / "Dockerfile").read_text()
    # Pinned (hadolint DL3008) to the version of the base image's Debian release.
    assert re.search(r"^FROM python:3\.11-slim-bookworm\b", text, re.MULTILINE)
    install = re.search(r"apt-get install[^\n]*(?:\\\n[^\n]*)*", text)
    assert install is not None
    assert "--no-install-recommends" in install.group()
    assert re.search(r"\bfonts-dejavu-core=2\.37-6\b", install.group())
    assert "rm -rf /var/lib/apt/lists/*" in text
    assert DEJAVU_SANS in chart._FONT_PATHS


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern.removeprefix("!").strip("/")
        regex = re.escape(body).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        if any(re.fullmatch(regex, candidate) for candidate in candidates):
            ignored = not negated
    return ignored


def test_dockerignore_keeps_secrets_and_caches_out_of_the_build() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    kept_out = [
        ".env",
        ".env.local",
        ".venv/lib/python3.11/site-packages/aiogram/__init__.py",
        ".git/HEAD",
        "data/main.session",
        "data/pgdata/PG_VERSION",
        "main.session",
        "__pycache__/x.cpython-311.pyc",
        "predlagator/__pycache__/cli.cpython-311.pyc",
        "predlagator/db/__pycache__/pool.cpython-311.pyc",
        ".mypy_cache/3.11/cache.db",
        ".ruff_cache/CACHEDIR.TAG",
        ".pytest_cache/v/cache/lastfailed",
    ]
    for path in kept_out:
        assert dockerignored(path, patterns), f"{path} would be sent to the build"
    # What the Dockerfile copies must still get there.
    needed = [
        "pyproject.toml",
        "uv.lock",
        "README.md",
        "predlagator/cli.py",
        "predlagator/db/migrations/0001_init.sql",
        "predlagator/bot/locales/ru/LC_MESSAGES/messages.po",
    ]
    for path in needed:
        assert not dockerignored(path, patterns), f"{path} is needed by the build"


def env_example() -> dict[str, tuple[str, str]]:
    """Each NAME=value of .env.example with the line just above it."""
    lines = (ROOT / ".env.example").read_text().splitlines()
    entries: dict[str, tuple[str, str]] = {}
    for index, line in enumerate(lines):
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            entries[name] = (value, lines[index - 1] if index else "")
    return entries


def test_env_example_lists_every_setting_with_a_comment() -> None:
    entries = env_example()
    fields = {name.upper() for name in Settings.model_fields}
    assert set(entries) == fields
    for name, (_, above) in entries.items():
        assert above.startswith("# "), f"{name} needs a comment line above it"


def test_env_example_lists_each_setting_once() -> None:
    lines = (ROOT / ".env.example").read_text().splitlines()
    names = [line.partition("=")[0] for line in lines if line and not line.startswith("#")]
    assert sorted(names) == sorted(set(names))


def test_env_example_leaves_secrets_empty() -> None:
    entries = env_example()
    secrets = [
        name.upper()
        for name, field in Settings.model_fields.items()
        if SecretStr in getattr(field.annotation, "__args__", (field.annotation,))
    ]
    assert {"BOT_TOKEN", "TG_API_HASH", "TG_SESSION"} <= set(secrets)
    for name in secrets:
        assert entries[name][0] == "", f"{name} must be empty in .env.example"


def test_env_example_values_are_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    assert Settings(_env_file=ROOT / ".env.example") == Settings(_env_file=None)
