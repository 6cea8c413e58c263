"""The registration commands, run in process: integration, register (with the embedded consumer), job, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cairn.domain.records import User
from cairn.settings import Settings
from tests.cli.conftest import Cli


@pytest.fixture
def cli(settings: Settings, admin: User) -> Cli:
    return Cli(settings)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    root = tmp_path / "files"
    root.mkdir()
    for name in ("a.jpg", "b.jpg"):
        (root / name).write_bytes(b"\xff\xd8\xff" + name.encode())
    (root / "c.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    return root


def test_integration_commands_never_print_secrets(cli: Cli, files: Path) -> None:
    cli.ok("integration", "add", "disk", "--provider", "local", "--root", str(files))
    added = cli.json(
        "integration",
        "add",
        "aws",
        "-p",
        "s3",
        "--bucket",
        "my-bucket",
        "--region",
        "eu-west-1",
        "--credential",
        "access_key_id=AKIAEXAMPLE",
        "--credential",
        "secret_access_key=TOP-SECRET-VALUE",
    )
    assert added["config"]["credentials"] == ["access_key_id", "secret_access_key"]
    listed = cli.ok("integration", "list").stdout + cli.ok("integration", "show", "aws").stdout
    assert "TOP-SECRET-VALUE" not in listed and "AKIAEXAMPLE" not in listed and "disk" in listed
    assert "OK: LIST" in cli.ok("integration", "check", "disk").stdout
    cli.fails("integration", "add", "bad", "-p", "s3_compatible", "--bucket", "b", code="invalid_input")
    cli.ok("integration", "remove", "aws")
    cli.fails("integration", "show", "aws", code="not_found")


def test_register_job_and_export_round_trip(cli: Cli, files: Path, tmp_path: Path) -> None:
    cli.ok("folders", "create", "Inbox")
    cli.ok("integration", "add", "disk", "--provider", "local", "--root", str(files))
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"ObjectUrl,Image title\nfile://{files}/a.jpg,first\nb.jpg,\nObjectUrl\nc.mp4\n")
    plan = cli.json("register", str(manifest), "--folder", "Inbox", "--integration", "disk", "--dry-run")
    assert (plan["units"], plan["chunks"]) == (3, 1)
    job = cli.json("register", str(manifest), "--folder", "Inbox", "--integration", "disk")
    assert (job["status"], job["units_done"], job["items_created"]) == ("done", 3, 3)
    assert [j["id"] for j in cli.json("job", "list")] == [job["id"]]
    shown = cli.json("job", "show", str(job["id"]))
    assert shown["units_total"] == 3 and shown["unit_errors"] == []
    cli.fails("job", "cancel", str(job["id"]), code="conflict")
    exported = tmp_path / "again.json"
    cli.ok("export", "Inbox", "--output", str(exported))
    assert {e["title"] for e in json.loads(exported.read_text())["images"]} == {"first", "b.jpg"}
    cli.ok("folders", "create", "Copy")
    again = cli.json("register", str(exported), "--folder", "Copy", "--integration", "disk")
    assert (again["status"], again["items_created"]) == ("done", 3)


def test_register_reports_every_located_problem_and_writes_nothing(cli: Cli, files: Path, tmp_path: Path) -> None:
    cli.ok("folders", "create", "Inbox")
    cli.ok("integration", "add", "disk", "--provider", "local", "--root", str(files))
    manifest = tmp_path / "bad.json"
    manifest.write_text(
        json.dumps({"images": [{"objectUrl": "a b.jpg"}, {"title": "x"}, {"objectUrl": "/etc/passwd"}]})
    )
    result = cli.fails("register", str(manifest), "--folder", "Inbox", "--integration", "disk", code="manifest_invalid")
    assert "/images/0" in result.stderr and "/images/1" in result.stderr
    [job] = cli.json("job", "list")  # checked off the request path: the job records the problems
    assert (job["status"], job["units_total"], job["items_created"]) == ("error", 0, 0)
    assert [p["location"] for p in job["summary"]["problems"]] == ["/images/0/objectUrl", "/images/1", "/images/2"]
    assert not list((cli.settings.managed_storage_dir / "manifests").glob("*"))


def test_job_commands_speak_of_jobs_of_any_kind_and_list_unit_errors(cli: Cli, files: Path, tmp_path: Path) -> None:
    cli.ok("folders", "create", "Inbox")
    cli.ok("integration", "add", "disk", "--provider", "local", "--root", str(files))
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps({"images": [{"objectUrl": "a.jpg"}, {"objectUrl": "missing.jpg"}]}))
    job = cli.json("register", str(manifest), "--folder", "Inbox", "--integration", "disk", "--ignore-errors")
    assert (job["kind"], job["status"], job["units_error"], job["title"]) == ("registration", "done", 1, "m.json")
    assert [j["id"] for j in cli.json("job", "list", "--kind", "registration")] == [job["id"]]
    assert cli.json("job", "list", "--kind", "reencode") == []
    [error] = cli.json("job", "errors", str(job["id"]))
    assert (error["unit"], error["location"]) == (1, "/images/1")
    assert cli.json("job", "errors", str(job["id"]), "--after-unit", "1") == []
    text = cli.ok("job", "errors", str(job["id"])).stdout
    assert "/images/1" in text and "missing.jpg" in text
    shown = cli.ok("job", "show", str(job["id"])).stdout
    assert "registration" in shown and "ignore_errors" in shown
    cli.fails("job", "errors", "999999", code="not_found")
