"""The web UI's end-to-end tests: a real ``cairn serve`` on a free loopback port over a SQLite database made here,
driven through Debian's Chromium by Playwright (its own browser download does not work on these machines).

Everything the tests set up beforehand goes through the REST API with API tokens (:class:`Api`); everything they
check goes through the page as a user would, by the controls' accessible names.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.conftest import require
from tests.fixtures.storage_servers import free_port, running

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]
UI_DIST = REPO / "src" / "cairn" / "api" / "ui_dist" / "index.html"
AXE = REPO / "ui" / "node_modules" / "axe-core" / "axe.min.js"
_TOKEN_LINE = re.compile(r"API token \(shown once, keep it safe\): (cairn_\S+)")
_LINK_LINE = re.compile(r"set the local admin's password at (\S+)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests run on one xdist worker (``--dist loadgroup``): one server and one Chromium for all."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("ui"))


@dataclass
class Api:
    """The REST API as a script would use it (an API token), to set the scene before the browser comes."""

    base_url: str
    token: str
    first_run_link: str = ""

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        answer = httpx.request(method, f"{self.base_url}/api/v1{path}", headers=headers, timeout=30, **kwargs)
        assert answer.is_success, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json() if answer.content else None

    def folder(self, name: str, parent_id: int | None = None, description: str = "") -> dict[str, Any]:
        body = {"name": name, "parent_id": parent_id, "description": description}
        made: dict[str, Any] = self.call("POST", "/folders", json=body)
        return made

    def upload_images(self, folder_id: int, names: list[str], size: tuple[int, int] = (64, 48)) -> list[dict[str, Any]]:
        files = [("files", (name, png(size, index), "image/png")) for index, name in enumerate(names)]
        made: list[dict[str, Any]] = self.call("POST", f"/folders/{folder_id}/upload", files=files)["items"]
        return made

    def password_user(self, email: str, password: str) -> dict[str, Any]:
        """A user invited by the admin who has followed the link and chosen ``password``."""
        link = self.call("POST", "/users/invitations", json={"email": email, "name": email.split("@", maxsplit=1)[0]})
        token = link["url"].split("token=", 1)[1]
        accepted = httpx.post(f"{self.base_url}/api/v1/auth/accept", json={"token": token, "password": password})
        assert accepted.status_code == 201, accepted.text
        user: dict[str, Any] = link["user"]
        return user

    def user_token(self, email: str) -> str:
        user = self.call("POST", "/users", json={"email": email, "name": email.split("@", maxsplit=1)[0]})
        secret: str = self.call("POST", "/tokens", json={"name": "ui test", "user_id": user["id"]})["secret"]
        return secret


def png(size: tuple[int, int], seed: int = 0) -> bytes:
    image = Image.new("RGB", size, ((seed * 47) % 256, (seed * 91) % 256, 160))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@contextlib.contextmanager
def serving(data_dir: Path, **settings: str) -> Iterator[Api]:
    """``cairn serve`` over a new SQLite database in ``data_dir`` (``settings``: more ``CAIRN_`` variables, e.g.
    ``CAIRN_WORKERS="0"``); the admin's token is the one its first run prints."""
    require(UI_DIST.is_file(), "the web UI is not built (make ui)")
    port = free_port()
    env = {**os.environ, "CAIRN_DATA_DIR": str(data_dir), "CAIRN_PORT": str(port), "CAIRN_HOST": "127.0.0.1"}
    env.update(settings)
    base_url = f"http://127.0.0.1:{port}"
    log = data_dir / "serve.log"
    command = [sys.executable, "-c", "from cairn.cli.main import main; main()", "serve"]
    with running(command, env=env, url=f"{base_url}/health", log=log):
        token = _TOKEN_LINE.search(log.read_text())
        link = _LINK_LINE.search(log.read_text())
        assert token and link, f"cairn serve printed no first-run token or link:\n{log.read_text()}"
        yield Api(base_url, token.group(1), link.group(1))


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One server for the tests that share it (each makes folders of its own)."""
    with serving(tmp_path_factory.mktemp("cairn-ui")) as api:
        yield api


@pytest.fixture(scope="session")
def idle_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """A server that runs no job consumer: a job started there stays queued until it is cancelled."""
    with serving(tmp_path_factory.mktemp("cairn-idle"), CAIRN_WORKERS="0") as api:
        yield api


@pytest.fixture(scope="session")
def talking_video(tmp_path_factory: pytest.TempPathFactory, ffmpeg_exe: str) -> bytes:
    """Two seconds of H.264 with an AAC audio track: Re-encode (Auto) drops the audio and copies the video."""
    out = tmp_path_factory.mktemp("video") / "talk.mp4"
    lavfi = ["-f", "lavfi", "-i"]
    command = [ffmpeg_exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
               *lavfi, "testsrc2=size=160x120:rate=30:duration=2", *lavfi, "sine=frequency=440:duration=2",
               "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "30",
               "-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart", "-shortest", str(out)]  # fmt: skip
    subprocess.run(command, check=True, timeout=120)
    return out.read_bytes()


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:6]}"


def upload_video(user: Api, folder_id: int, name: str, video: bytes) -> dict[str, Any]:
    files = [("files", (name, video, "video/mp4"))]
    made: dict[str, Any] = user.call("POST", f"/folders/{folder_id}/upload", files=files)["items"][0]
    return made


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one module's tests. Not longer: while Playwright's sync API runs, its event loop is the running
    one, and a test of another module that the same xdist worker runs meanwhile could not call ``asyncio.run``."""
    require(CHROMIUM.exists(), "Debian's chromium is not installed (make chromium)")
    from playwright.sync_api import expect, sync_playwright

    # a shared 2-core machine under load: an answer that hashes a password or runs FFmpeg can take seconds
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A new browser profile per test (no cookies), at a laptop's window size; console errors fail the test."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    errors: list[str] = []
    opened.on("console", lambda m: m.type == "error" and errors.append(m.text))
    opened.on("pageerror", lambda e: errors.append(str(e)))
    yield opened
    context.close()
    refused = [e for e in errors if "Content Security Policy" in e or "Refused" in e]
    assert not refused, f"the page broke its Content-Security-Policy: {refused}"


def sign_in_with_password(page: Any, server: Api, email: str, password: str) -> None:
    page.goto(server.base_url + "/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("search").wait_for()


def sign_in(page: Any, server: Api, token: str | None = None) -> None:
    """The token path of the sign-in page."""
    page.goto(server.base_url + "/")
    page.get_by_role("button", name="Sign in with an API token").click()
    page.get_by_label("API token").fill(token or server.token)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("search").wait_for()


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the page as it is now (axe runs through DevTools, so the
    page's own policy still applies to everything else)."""
    require(AXE.is_file(), "axe-core is not installed (make ui)")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document)).violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => ({id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(" "))}))"""
    )
    return found
