"""Throwaway databases for benchmarks (a SQLite file, a PostgreSQL database made and dropped) and machine facts."""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import sqlalchemy as sa

POSTGRES_ADMIN_URL = os.environ.get("CAIRN_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DIALECTS = ("sqlite", "postgresql")


@contextmanager
def throwaway_database(dialect: str, *, keep: bool = False) -> Iterator[str]:
    """The URL of a new, empty database of ``dialect``; dropped afterwards unless ``keep``."""
    if dialect == "sqlite":
        with _sqlite(keep=keep) as url:
            yield url
    elif dialect == "postgresql":
        with _postgresql(keep=keep) as url:
            yield url
    else:
        raise ValueError(f"unknown dialect {dialect!r}: use one of {', '.join(DIALECTS)}")


@contextmanager
def _sqlite(*, keep: bool) -> Iterator[str]:
    directory = Path(tempfile.mkdtemp(prefix="cairn-bench-"))
    try:
        yield f"sqlite:///{directory / 'cairn.db'}"
    finally:
        if keep:
            print(f"kept {directory / 'cairn.db'}")
        else:
            shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def _postgresql(*, keep: bool) -> Iterator[str]:
    name = f"cairn_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        if keep:
            print(f"kept PostgreSQL database {name}")
        else:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    return {
        "cpu": _cpu_model(),
        "cores": f"{psutil.cpu_count(logical=True)} logical",
        "memory": f"{psutil.virtual_memory().total / 2**30:.0f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": _postgres_version(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _postgres_version() -> str:
    try:
        engine = sa.create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            version = str(conn.exec_driver_sql("SHOW server_version").scalar_one())
        engine.dispose()
        return version
    except sa.exc.OperationalError:
        return "not reachable"
