"""A registration that ignores errors and leaves manifest entries out says so: `cairn register`, `cairn job show`
and `cairn job errors` list each entry left out, where it is in the manifest and why (not "no unit errors")."""

from __future__ import annotations

import json
from pathlib import Path

from tests.api.helpers import png_bytes
from tests.cli.conftest import Cli


def test_entries_left_out_are_listed_with_where_and_why(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "disk"
    root.mkdir()
    (root / "a.png").write_bytes(png_bytes())
    cli.ok("integration", "add", "disk", "--provider", "local", "--root", str(root))
    cli.ok("folders", "create", "Inbox")
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps({"images": [{"objectUrl": "a.png"}, {"title": "no url"}]}))

    registered = cli.ok("register", str(manifest), "--folder", "Inbox", "--integration", "disk", "--ignore-errors")
    assert "1 manifest problem(s): their entries were left out" in registered.stdout
    assert "/images/1" in registered.stdout and "objectUrl is required" in registered.stdout
    job_id = str(cli.json("job", "list")[0]["id"])
    listed = cli.ok("job", "errors", job_id)
    assert "/images/1" in listed.stdout and "objectUrl is required" in listed.stdout
    assert cli.json("job", "show", job_id)["summary"]["problems"][0]["location"] == "/images/1"
