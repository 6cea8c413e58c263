"""Start-up runs without the cyclic garbage collector; it runs again once the registry is open."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from cairn.cli import collection
from cairn.cli import main as cli_main
from cairn.cli.session import Session
from cairn.settings import Settings


@pytest.fixture(autouse=True)
def _collector_enabled_after() -> Iterator[None]:
    yield
    collection.resume()
    gc.enable()


def test_the_command_starts_without_the_collector_which_runs_again_after(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    monkeypatch.setattr(cli_main, "app", lambda: seen.append(gc.isenabled()))
    cli_main.main()
    assert seen == [False]
    assert gc.isenabled()


def test_the_collector_runs_again_when_the_command_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail() -> None:
        raise SystemExit(1)

    monkeypatch.setattr(cli_main, "app", fail)
    with pytest.raises(SystemExit):
        cli_main.main()
    assert gc.isenabled()


def test_the_collector_runs_again_once_the_registry_is_open(tmp_path: Path) -> None:
    session = Session()
    session.settings = Settings(data_dir=tmp_path, database_url=None)
    collection.pause()
    try:
        assert not gc.isenabled()
        session.registry()
        assert gc.isenabled()
    finally:
        session.close()


def test_a_collector_disabled_by_the_program_stays_disabled() -> None:
    gc.disable()
    collection.pause()
    collection.resume()
    assert not gc.isenabled()
