"""Machine output is exactly the data: every ``cairn --json`` command prints one JSON document on stdout whose
strings are the stored values, unchanged (no Rich emoji codes such as ``:v:``, no markup, no wrapping).

Names and titles below are made of what Rich would rewrite: ``:v:`` and ``:smile:`` (emoji codes), ``[bold]``
(markup), and text long enough to wrap. ``test_every_command_is_covered`` keeps the list complete: a new command
fails it until it is added here.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import typer.main

from cairn.cli.main import app
from tests.cli.conftest import Cli

TRICKY = ":v: :smile: [bold]b [red]x 0:v:0 " + "é" * 20  # no "/": folder names cannot hold one
TRICKY_LONG = TRICKY + " " + "w" * 150
EMAIL = "tricky@example.com"
LONG_RUNNING = {"serve", "worker"}  # they run until stopped: no JSON document to check


def _strings(document: Any) -> Iterator[str]:
    if isinstance(document, str):
        yield document
    elif isinstance(document, dict):
        for key, value in document.items():
            yield key
            yield from _strings(value)
    elif isinstance(document, list):
        for value in document:
            yield from _strings(value)


def _leaf_commands() -> set[str]:
    found: set[str] = set()

    def walk(command: click.Command, prefix: tuple[str, ...]) -> None:
        children = getattr(command, "commands", None)
        if not children:
            found.add(" ".join(prefix))
            return
        for name, child in children.items():
            walk(child, (*prefix, name))

    walk(typer.main.get_command(app), ())
    return found - LONG_RUNNING


class JsonRun:
    """Runs ``cairn --json ...`` and checks that stdout is one JSON document with every tricky string intact."""

    def __init__(self, cli: Cli) -> None:
        self.cli = cli
        self.covered: set[str] = set()

    def __call__(self, command: str, *args: str, tricky: bool = False) -> Any:
        result = self.cli.ok("--json", *command.split(), *args)
        document = json.loads(result.stdout)
        assert result.stdout == json.dumps(document, indent=2, ensure_ascii=False) + "\n", command
        strings = list(_strings(document))
        for text in strings:
            if "smile" in text and not text.startswith("file://"):  # a result's URL holds the title %-encoded
                assert TRICKY in text, f"cairn --json {command} changed {TRICKY!r} into {text!r}"
        if tricky:
            assert any(TRICKY in text for text in strings), f"cairn --json {command} lost {TRICKY!r}"
        self.covered.add(command)
        return document


def _world(cli: Cli, run: JsonRun, root: Path, video: Path) -> dict[str, Any]:
    (root / "a.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"j" * 100)
    shutil.copyfile(video, root / "clip.mp4")
    folder = run("folders create", TRICKY_LONG, "--description", TRICKY, tricky=True)
    run("integration add", "disk", "--provider", "local", "--root", str(root))
    manifest = root / "m.json"
    videos = [{"objectUrl": "clip.mp4", "title": TRICKY_LONG}]
    manifest.write_text(json.dumps({"images": [{"objectUrl": "a.jpg", "title": TRICKY}], "videos": videos}))
    job = run("register", str(manifest), "--folder", f"id:{folder['id']}", "--integration", "disk", "--ignore-errors")
    items = run("items list", f"id:{folder['id']}", tricky=True)["items"]
    video = next(i["id"] for i in items if i["kind"] == "video")
    ids = [i["id"] for i in items]
    return {"folder": folder["id"], "job": job["id"], "items": ids, "video": video, "manifest": manifest}


def test_every_json_command_prints_exactly_the_data(cli: Cli, tmp_path: Path, media_corpus) -> None:  # type: ignore[no-untyped-def]
    run = JsonRun(cli)
    root = tmp_path / "files"
    root.mkdir()
    world = _world(cli, run, root, media_corpus["audio_longer.mp4"])
    folder, first, second = f"id:{world['folder']}", str(world["items"][0]), str(world["items"][1])

    probed = run("probe", str(root / "clip.mp4"))
    assert any("-map 0:v:0" in text for text in _strings(probed["report"]))  # the audio check's fix, verbatim
    run("register", str(world["manifest"]), "--folder", folder, "--integration", "disk", "--dry-run")
    run("export", folder, "--output", str(tmp_path / "out.json"))
    run("inspect", first, tricky=True)
    run("search", "smile", "--folder", folder, tricky=True)
    run("journal", tricky=True)
    run("migrate")
    run("version")

    run("folders list", tricky=True)
    run("folders tree", tricky=True)
    run("folders show", folder, tricky=True)
    run("folders describe", folder, "--description", TRICKY_LONG, tricky=True)
    sub = run("folders create", "sub", "--parents")
    run("folders rename", f"id:{sub['id']}", TRICKY, tricky=True)
    run("folders move", f"id:{sub['id']}", folder, tricky=True)

    run("items show", first, tricky=True)
    run("items rename", second, TRICKY, tricky=True)
    run("items metadata", first, json.dumps({"note": TRICKY}), tricky=True)
    run("items move", second, "--to", f"id:{sub['id']}", tricky=True)

    dataset = str(run("datasets create", TRICKY, "--description", TRICKY_LONG, tricky=True)["id"])
    run("datasets add", dataset, first)
    run("datasets list", tricky=True)
    run("datasets show", dataset, tricky=True)
    run("datasets items", dataset, tricky=True)
    run("datasets linked-to", first, tricky=True)
    run("datasets remove", dataset, first)
    run("datasets sync", dataset, folder)
    run("datasets rename", dataset, TRICKY_LONG, tricky=True)
    run("datasets describe", dataset, "--description", TRICKY, tricky=True)
    run("datasets delete", dataset, "--yes")

    run("users add", EMAIL, "--name", TRICKY, tricky=True)
    run("users list", tricky=True)
    run("users update", EMAIL, "--name", TRICKY + "!", tricky=True)
    run("users invite", "invited@example.com", "--name", TRICKY, tricky=True)
    run("users reset-password", "invited@example.com", tricky=True)
    run("access grant", folder, EMAIL, "viewer", tricky=True)
    run("access list", folder, tricky=True)
    run("access revoke", folder, EMAIL)
    token = run("token create", TRICKY, tricky=True)["token"]
    run("token list", tricky=True)
    run("session list")
    run("session revoke", "--all")
    run("token revoke", str(token["id"]), tricky=True)

    run("integration list")
    run("integration show", "disk")
    run("integration check", "disk")
    run("integration update", "disk", "--prefix", "")
    run("job list")
    run("job show", str(world["job"]))
    run("job errors", str(world["job"]))
    run("job wait", str(world["job"]))
    pending = run("register", str(world["manifest"]), "--folder", folder, "--integration", "disk", "--no-wait")
    run("job cancel", str(pending["id"]))

    video = str(world["video"])
    run("frames", video, "--out", str(tmp_path / "frames"), "--every", "10")
    run("reencode", video, "--plan")
    assert run("reencode", video, "--wait")["items_created"] == 1
    home = run("items show", video)["folder"]
    made = [i for i in run("items list", home)["items"] if i["kind"] == "video" and str(i["id"]) != video]
    run("remap", str(made[0]["id"]), "0", "1")
    exported = run("frames", video, "--export", "--as", "sequence", "--every", "30", "--wait")
    assert run("sequence-video", str(exported["summary"]["group_item_id"]), "--wait")["status"] == "done"

    run("items delete", first, "--yes")
    run("folders delete", folder, "--yes")
    run("integration remove", "disk")
    assert run.covered == _leaf_commands()


def test_human_output_shows_names_as_they_are(cli: Cli) -> None:
    """People's output too: a title is printed as written, not as Rich markup or emoji."""
    created = cli.json("folders", "create", TRICKY, "--description", TRICKY)
    shown = cli.ok("folders", "show", f"id:{created['id']}").stdout
    listed = cli.ok("folders", "list").stdout
    said = cli.ok("folders", "rename", f"id:{created['id']}", TRICKY + "!").stdout
    for output in (shown, listed, said):
        assert TRICKY in output, output
