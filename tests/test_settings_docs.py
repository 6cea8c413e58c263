"""Every setting is documented in docs/settings.md."""

from __future__ import annotations

from pathlib import Path

from cairn.settings import Settings

DOC = Path(__file__).parents[1] / "docs" / "settings.md"


def test_every_setting_is_documented() -> None:
    text = DOC.read_text()
    missing = [name for name in Settings.model_fields if f"`CAIRN_{name.upper()}`" not in text]
    assert missing == []


def test_every_setting_has_a_description() -> None:
    assert [name for name, field in Settings.model_fields.items() if not field.description] == []


def test_settings_come_from_the_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CAIRN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CAIRN_PORT", "9999")
    settings = Settings()
    assert settings.data_dir == tmp_path and settings.port == 9999
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve() / 'cairn.db'}"
