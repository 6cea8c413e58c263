"""cairn's own files are private to the account that runs it: directories 0700, files 0600.

The data directory holds the SQLite database (and its ``-wal`` / ``-shm`` files), the job queue, the secret key,
managed (uploaded) files and spooled manifests: everything in it is data or a secret. Each place that creates one
of them asks for it here: :func:`private_dir` makes a directory only its owner may enter, :func:`private_file`
creates a file with mode 0600 before anything else opens it (SQLite gives a database's ``-wal`` and ``-shm``
files the mode of the database file). Both take group and other permissions away from what already exists, and
:func:`tighten_data_dir` does it for an existing data directory and the files cairn keeps at its top, logging a
warning that says what it changed. Files cairn writes elsewhere (``cairn export`` output) keep the user's umask.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from cairn.errors import ConfigurationError

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_SHARED_BITS = 0o077  # group and other permissions

# what cairn keeps at the top of its data directory (cairn.settings, cairn.jobs.queue, cairn.services.secrets)
DATA_DIR_ENTRIES = (
    "cairn.db",
    "cairn.db-wal",
    "cairn.db-shm",
    "queue.db",
    "queue.db-wal",
    "queue.db-shm",
    "secret.key",
    "managed",
    "tmp",
)

log = logging.getLogger("cairn.files")


def private_dir(path: Path) -> Path:
    """``path`` as a directory only its owner may enter: made (with missing parents) if needed, else tightened."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    tighten(path)
    return path


def private_file(path: Path) -> Path:
    """``path`` as a file only its owner may read: created empty with mode 0600 if missing, else tightened.

    Missing parent directories are made 0700; an existing one is left as it is (it may be a directory the user
    named, such as their home: the data directory itself is tightened by :func:`tighten_data_dir`).
    """
    path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE))
    tighten(path)
    return path


def tighten(path: Path) -> str | None:
    """Take group and other permissions away from ``path`` if it has any; what changed, or None."""
    try:
        mode = stat.S_IMODE(path.lstat().st_mode)
    except FileNotFoundError:
        return None
    if not mode & _SHARED_BITS or path.is_symlink():
        return None
    try:
        os.chmod(path, mode & ~_SHARED_BITS)
    except PermissionError as error:
        # the path goes to the log only: this can surface in an API response, which never names server paths
        log.error("cannot make %s private (mode %04o): it belongs to another account", path, mode)
        raise ConfigurationError(
            "cannot make cairn's own files private: one belongs to another account (the server log names it); "
            "give cairn a data directory of its own (CAIRN_DATA_DIR)"
        ) from error
    return f"{path}: {mode:04o} -> {mode & ~_SHARED_BITS:04o}"


def tighten_data_dir(data_dir: Path) -> list[str]:
    """Tighten an existing data directory and the files cairn keeps at its top; warns once with what it changed.

    Files deeper in (uploads under ``managed/``) are left as they are: the directories above them now let nobody
    else in. A path cairn may not change (another account's) is a ConfigurationError: cairn does not keep its data
    where others may read it.
    """
    if not data_dir.is_dir():
        return []
    paths = [data_dir, *(data_dir / name for name in DATA_DIR_ENTRIES)]
    changed = [done for done in map(tighten, paths) if done]
    if changed:
        log.warning(
            "the data directory was readable by other accounts; made it private (0700 / 0600): %s", "; ".join(changed)
        )
    return changed
