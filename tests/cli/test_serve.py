"""``cairn serve`` as a real process: it migrates a fresh data dir and answers /health on its port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cairn import __version__
from tests.conftest import require

STARTUP_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_health(url: str, process: subprocess.Popen[bytes]) -> httpx.Response:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"cairn serve exited with {process.returncode} before answering")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"cairn serve did not answer {url} within {STARTUP_SECONDS}s")


@pytest.mark.slow
def test_serve_answers_health_on_a_free_port(tmp_path: Path) -> None:
    executable = Path(sys.executable).parent / "cairn"
    require(executable.exists(), f"the cairn console script is not installed next to {sys.executable}")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")}
    env["CAIRN_DATA_DIR"] = str(tmp_path / "data")
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [str(executable), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    try:
        response = _wait_for_health(f"http://127.0.0.1:{port}/health", process)
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "version": __version__}
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert "cairn is set up" in output
    assert f"cairn serving on http://127.0.0.1:{port}" in output
    assert (tmp_path / "data" / "cairn.db").exists()
