"""Settings come from the values given, else from ``CAIRN_*`` environment variables, else their defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from cairn.errors import ConfigurationError
from cairn.settings import Settings


@pytest.fixture(autouse=True)
def _no_cairn_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in os.environ:
        if name.upper().startswith("CAIRN_"):
            monkeypatch.delenv(name)


def test_variables_are_read_in_any_case_and_validated_as_the_field_s_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAIRN_PORT", "9999")
    monkeypatch.setenv("cairn_allow_private_endpoints", "true")
    monkeypatch.setenv("Cairn_Secret_Key", "s3cret")
    monkeypatch.setenv("CAIRN_THUMBNAIL_WAIT_SECONDS", "1.5")
    settings = Settings()
    assert settings.port == 9999
    assert settings.allow_private_endpoints is True
    assert settings.secret_key is not None and settings.secret_key.get_secret_value() == "s3cret"
    assert settings.thumbnail_wait_seconds == 1.5


def test_values_given_win_over_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CAIRN_PORT", "9999")
    monkeypatch.setenv("CAIRN_DATABASE_URL", "sqlite:///elsewhere.db")
    settings = Settings(port=1234, database_url=None, data_dir=tmp_path)
    assert (settings.port, settings.database_url, settings.data_dir) == (1234, None, tmp_path)


def test_defaults_when_nothing_is_set() -> None:
    settings = Settings()
    assert settings.data_dir == Path(".cairn") and settings.port == 8420 and settings.local_roots == []


def test_a_list_is_json(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CAIRN_LOCAL_ROOTS", f'["{tmp_path}", "/srv/data"]')
    assert Settings().local_roots == [tmp_path, Path("/srv/data")]


def test_a_list_that_is_not_json_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAIRN_LOCAL_ROOTS", "[oops")
    with pytest.raises(ConfigurationError) as caught:
        Settings()
    assert str(caught.value.message).startswith("invalid settings: CAIRN_LOCAL_ROOTS: not valid JSON (Expecting value")


def test_a_bad_value_is_refused_with_its_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAIRN_PORT", "70000")
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert [error["loc"] for error in caught.value.errors()] == [("port",)]


def test_unknown_variables_and_values_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAIRN_NO_SUCH_SETTING", "1")
    assert Settings(no_such_setting=2).port == 8420


def test_settings_are_frozen() -> None:
    with pytest.raises(ValidationError):
        Settings().port = 1  # type: ignore[misc]
