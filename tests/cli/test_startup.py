"""The ``cairn`` command starts at once: what a command does not need is never imported.

Deterministic, not timed: each command runs in a fresh interpreter, which then lists the modules it imported. A
module that slips back into start-up (an import at the top of a command module) fails these tests.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer

# Run `cairn ARGS` as the console script does, then write the names of every imported module to a file.
PROBE = """
import json, sys
modules_file, sys.argv = sys.argv[1], ["cairn", *sys.argv[2:]]
try:
    from cairn.cli.main import main
    main()
except SystemExit as exit:
    code = exit.code or 0
else:
    code = 0
with open(modules_file, "w") as out:
    json.dump(sorted(sys.modules), out)
sys.exit(code)
"""

# The server side, the database layer and media libraries: none is needed to print help or the version. Nor are the
# domain's records and frame maps (the options need only enums and limits), hashing (secrets) or logging.
NOT_FOR_HELP = (
    "alembic",
    "av",
    "cairn.api",
    "cairn.db",
    "cairn.domain.frame_export",
    "cairn.domain.frame_map",
    "cairn.domain.records",
    "cairn.jobs",
    "cairn.media",
    "cairn.services",
    "cairn.storage",
    "fastapi",
    "httpx",
    "huey",
    "logging",
    "numpy",
    "obstore",
    "PIL",
    "pydantic",  # Typer converts values through it; a value that needs no conversion must not import it
    "pydantic_settings",
    "pydicom",
    "secrets",
    "sqlalchemy",
    "starlette",
    "uvicorn",
)
# A command that reads the database needs it and the services, still neither the server nor media nor migrations.
# Settings are read without pydantic-settings; the SQL of other concepts (jobs, inspections) is not imported.
NOT_FOR_READING = (
    "alembic",
    "av",
    "cairn.api",
    "cairn.db.jobs_schema",
    "cairn.db.repositories.inspections",
    "cairn.db.repositories.jobs",
    "fastapi",
    "numpy",
    "PIL",
    "pydantic_settings",
    "pydicom",
    "starlette",
    "uvicorn",
)


def _imported_by(
    tmp_path: Path, *args: str, data_dir: Path | None = None
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    modules_file = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")}
    env["CAIRN_DATA_DIR"] = str(data_dir or tmp_path / "data")
    run = subprocess.run(
        [sys.executable, "-c", PROBE, str(modules_file), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, f"cairn {' '.join(args)} failed:\n{run.stdout}\n{run.stderr}"
    return run, set(json.loads(modules_file.read_text()))


def _among(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    """The packages of ``packages`` that ``modules`` holds (the package itself or any module inside it)."""
    return [p for p in packages if any(m == p or m.startswith(f"{p}.") for m in modules)]


@pytest.mark.parametrize("args", [("--help",), ("version",), ("--json", "version"), ("folders", "--help")])
def test_help_and_version_import_neither_server_nor_database(tmp_path: Path, args: tuple[str, ...]) -> None:
    run, modules = _imported_by(tmp_path, *args)
    assert run.stdout  # it did print its help or version
    assert _among(modules, NOT_FOR_HELP) == []
    assert not (tmp_path / "data").exists()  # nor touched the data directory


@pytest.mark.parametrize("args", [("--help",), ("folders", "--help")])
def test_help_is_plain_text_without_rich_s_markdown_and_panels(tmp_path: Path, args: tuple[str, ...]) -> None:
    """Help is Click's plain text: Rich's help formatting (Markdown parser, panels, tracebacks) costs more than the
    rest of printing help together."""
    run, modules = _imported_by(tmp_path, *args)
    assert "Usage: " in run.stdout and "Options:" in run.stdout
    assert _among(modules, ("rich.markdown", "typer.rich_utils")) == []


def test_a_read_command_imports_neither_server_nor_media_nor_migrations(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    _imported_by(tmp_path, "folders", "list", data_dir=data_dir)  # the first run migrates
    run, modules = _imported_by(tmp_path, "--json", "folders", "list", data_dir=data_dir)
    assert json.loads(run.stdout) == []
    assert _among(modules, NOT_FOR_READING) == []
    assert "sqlalchemy" in modules  # the probe sees what a command imports


def _callbacks(app: typer.Typer) -> list[Callable[..., Any]]:
    found = [info.callback for info in app.registered_commands if info.callback]
    if app.registered_callback and app.registered_callback.callback:
        found.append(app.registered_callback.callback)
    for group in app.registered_groups:
        assert group.typer_instance is not None
        found += _callbacks(group.typer_instance)
    return found


def test_commands_annotations_are_evaluated_once_at_import() -> None:
    """Typer reads each command's annotations: as text (``from __future__ import annotations``) each would be
    compiled and evaluated again when the command tree is built, at every start."""
    from cairn.cli.main import app

    callbacks = _callbacks(app)
    assert len(callbacks) > 50
    as_text = [
        f"{cb.__module__}.{cb.__qualname__}"
        for cb in callbacks
        if any(isinstance(a, str) for a in inspect.get_annotations(cb).values())
    ]
    assert as_text == []
