"""``cairn serve`` on a free loopback port over the benchmark's data directory, and a signed-in session for it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.processes import stop
from cairn.services.registry import Registry
from cairn.settings import Settings

STARTUP_SECONDS = 120  # a first start migrates nothing but may warm a cold 1M-item database


@dataclass(frozen=True)
class Server:
    base_url: str
    token: str  # the local admin's API token, made for this run (the browser signs in with it)
    log: Path


@contextlib.contextmanager
def serving(data_dir: Path) -> Iterator[Server]:
    """The server runs in its own process (as users run it), its output in ``data_dir/serve-bench.log``."""
    token = _admin_token(data_dir)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")}
    env.update({"CAIRN_DATA_DIR": str(data_dir), "CAIRN_HOST": "127.0.0.1", "CAIRN_PORT": str(port)})
    env["CAIRN_SERVER_TIMING"] = "true"  # where the rows' request spends its time in the page (bench.ui.browser)
    log = data_dir / "serve-bench.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "cairn"), "serve"], stdout=out, stderr=subprocess.STDOUT, env=env
        )
    try:
        _wait_until_ready(f"{base_url}/health", process, log)
        yield Server(base_url, token, log)
    finally:
        stop(process, timeout=20)


def session_cookies(server: Server) -> dict[str, str]:
    """A browser session's cookies, as the sign-in page gets them (the API-token path), for httpx's requests."""
    answer = httpx.post(f"{server.base_url}/api/v1/auth/session", json={"token": server.token}, timeout=30)
    answer.raise_for_status()
    return dict(answer.cookies)


def _admin_token(data_dir: Path) -> str:
    registry = Registry(Settings(data_dir=data_dir))
    try:
        admin = registry.users.ensure_local_admin()[0]
        return registry.auth.create_token(actor=admin, name="ui benchmark", expires_in_days=1).secret
    finally:
        registry.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise SystemExit(f"cairn serve exited with {process.returncode}:\n{tail}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).is_success:
                return
        time.sleep(0.2)
    raise SystemExit(f"cairn serve at {url} not ready after {STARTUP_SECONDS} s: see {log}")
