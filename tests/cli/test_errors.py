"""Failures print ``Error (code): message`` on stderr, exit 1 (2 for usage errors), and never a traceback."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from cairn.cli.failures import CairnGroup, error_lines
from cairn.domain.access import Role
from cairn.errors import ManifestError, Problem
from cairn.services.registry import Registry
from tests.cli.conftest import Cli


def test_not_found(cli: Cli) -> None:
    result = cli.fails("folders", "show", "Nowhere/at/all", code="not_found")
    assert result.stderr == "Error (not_found): folder 'Nowhere' not found\n"
    assert result.stdout == ""
    cli.fails("items", "show", "999", code="not_found")
    cli.fails("datasets", "show", "999", code="not_found")


def test_permission_denied(cli: Cli, registry: Registry, admin, make_user) -> None:
    make_user("vera")
    cars = registry.folders.create(actor=admin, name="Cars")
    registry.access.grant(actor=admin, folder_id=cars.id, email="vera@example.com", role=Role.VIEWER)
    result = cli.fails(
        "folders", "rename", f"id:{cars.id}", "Autos", code="permission_denied", as_user="vera@example.com"
    )
    assert "vera@example.com may not change folder 'Cars': needs the editor role (has viewer)" in result.stderr


def test_a_folder_without_a_role_is_not_found_as_a_missing_one(cli: Cli, registry: Registry, admin, make_user) -> None:
    make_user("vera")
    cars = registry.folders.create(actor=admin, name="Cars")
    hidden = cli.fails("folders", "rename", f"id:{cars.id}", "Autos", code="not_found", as_user="vera@example.com")
    missing = cli.fails("folders", "rename", "id:987654321", "Autos", code="not_found", as_user="vera@example.com")
    assert hidden.stderr == f"Error (not_found): folder {cars.id} not found\n"
    assert hidden.stderr.replace(str(cars.id), "ID") == missing.stderr.replace("987654321", "ID")
    by_path = cli.fails("folders", "show", "Cars", code="not_found", as_user="vera@example.com")
    assert by_path.stderr == "Error (not_found): folder 'Cars' not found\n"


def test_conflict_and_already_exists(cli: Cli, registry: Registry, admin) -> None:
    a = registry.folders.create(actor=admin, name="A")
    cli.ok("folders", "create", "A/B")
    result = cli.fails("folders", "move", "A", "A/B", code="conflict")
    assert "cannot be moved into itself or one of its own sub-folders" in result.stderr
    result = cli.fails("folders", "create", "A", code="already_exists")
    assert result.stderr == f"Error (already_exists): a folder named 'A' already exists at your top level (id:{a.id})\n"


def test_invalid_input_says_where_and_why(cli: Cli, registry: Registry, admin) -> None:
    registry.folders.create(actor=admin, name="A")
    result = cli.fails("folders", "describe", "A", "--metadata", '{"team": ', code="invalid_input")
    assert "--metadata: not valid JSON" in result.stderr
    assert "line 1 column 10" in result.stderr
    result = cli.fails("folders", "describe", "A", "--metadata", "[1, 2]", code="invalid_input")
    assert "--metadata: must be a JSON object" in result.stderr
    cli.fails("folders", "show", "id:twelve", code="invalid_input")
    cli.fails("search", "--meta", "no-equals-sign", code="invalid_input")
    assert registry.folders.resolve(actor=admin, path="A").client_metadata == {}


def test_json_mode_also_writes_the_error_body_on_stdout(cli: Cli) -> None:
    result = cli("--json", "folders", "show", "Nowhere")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error (not_found): ")
    assert json.loads(result.stdout) == {
        "error": {"code": "not_found", "message": "folder 'Nowhere' not found", "details": {"path": "Nowhere"}}
    }


def test_usage_errors_exit_2(cli: Cli) -> None:
    assert cli("folders", "create").exit_code == 2
    assert cli("items", "show", "not-a-number").exit_code == 2
    assert cli("folders", "frobnicate").exit_code == 2
    result = cli("datasets", "sync", "1")
    assert result.exit_code == 2
    assert "give either a FOLDER or --none" in result.stderr


def test_unknown_acting_user_is_not_found(cli: Cli) -> None:
    result = cli.fails("folders", "list", code="not_found", as_user="ghost@example.com")
    assert "ghost@example.com" in result.stderr


def test_bad_settings_are_a_configuration_error(cli: Cli) -> None:
    env = {**cli.env(), "CAIRN_PORT": "not-a-port"}
    from cairn.cli.main import app

    result = CliRunner().invoke(app, ["folders", "list"], env=env)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error (configuration_error): invalid settings: CAIRN_PORT:")


def test_manifest_problems_are_listed_with_their_location() -> None:
    error = ManifestError(
        [Problem("/videos/0/objectUrl", "not a URL", field="objectUrl"), Problem("line 3, column 2", "empty title")],
        source="upload.json",
    )
    lines = error_lines(error)
    assert lines[0].startswith("Error (manifest_invalid): upload.json: 2 problem(s) in manifest")
    assert lines[1:] == ["  /videos/0/objectUrl [objectUrl]: not a URL", "  line 3, column 2: empty title"]

    demo = typer.Typer(cls=CairnGroup)

    @demo.command()
    def register() -> None:
        raise error

    @demo.command()
    def other() -> None:  # a second command keeps "register" a sub-command
        pass

    result = CliRunner().invoke(demo, ["register"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == lines


def test_a_setting_that_is_not_valid_json_is_a_configuration_error(cli: Cli) -> None:
    env = {**cli.env(), "CAIRN_LOCAL_ROOTS": "[oops"}
    from cairn.cli.main import app

    result = CliRunner().invoke(app, ["folders", "list"], env=env)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error (configuration_error): invalid settings: CAIRN_LOCAL_ROOTS:")
    assert "Traceback" not in result.stderr
