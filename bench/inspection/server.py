"""s3rver (file-backed S3 API, npm) on a free 127.0.0.1 port, with the corpus uploaded into bucket ``media``."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.inspection.corpus import Media
from bench.processes import stop
from cairn.domain.integrations import Provider, StoreConfig
from cairn.storage import ObjectStore, open_store

REPO = Path(__file__).resolve().parents[2]
S3RVER = REPO / "node_modules" / ".bin" / "s3rver"
BUCKET = "media"
CACHE_CONTROL = "private, max-age=86400"


@dataclass(frozen=True)
class Server:
    endpoint: str
    config: StoreConfig
    log: Path
    pid: int

    def store(self) -> ObjectStore:
        return open_store(self.config, allow_private_endpoints=True)

    def log_lines(self) -> int:
        return len(self.log.read_bytes().splitlines())


@contextlib.contextmanager
def s3rver() -> Iterator[Server]:
    """A fresh s3rver whose data directory is removed afterwards."""
    if not S3RVER.exists() or shutil.which("node") is None:
        raise SystemExit(f"{S3RVER} (or node) is missing: run `cd {REPO} && npm install --no-audit --no-fund`")
    directory = Path(tempfile.mkdtemp(prefix="cairn-bench-s3rver-"))
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    argv = [str(S3RVER), "-d", str(directory / "data"), "-a", "127.0.0.1", "-p", str(port)]
    env = {**os.environ, "NODE_OPTIONS": "--openssl-legacy-provider"}
    log = directory / "s3rver.log"
    with log.open("wb") as out:
        process = subprocess.Popen([*argv, "--configure-bucket", BUCKET], stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        _wait_until_ready(endpoint, process)
        yield Server(endpoint, _config(endpoint), log, process.pid)
    finally:
        stop(process, timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


def upload(server: Server, root: Path, media: list[Media]) -> float:
    """Put every file (with its Content-Type and a Cache-Control header); the seconds it took."""
    store = server.store()
    began = time.perf_counter()
    for item in media:
        with (root / item.name).open("rb") as f:
            store.put(item.name, f, content_type=item.content_type, cache_control=CACHE_CONTROL)
    return time.perf_counter() - began


def _config(endpoint: str) -> StoreConfig:
    return StoreConfig(
        provider=Provider.S3_COMPATIBLE,
        bucket=BUCKET,
        endpoint=endpoint,
        region="us-east-1",
        credentials={"access_key_id": "S3RVER", "secret_access_key": "S3RVER"},
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_ready(endpoint: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"s3rver exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(endpoint, timeout=2)
            return
        time.sleep(0.1)
    raise RuntimeError(f"s3rver at {endpoint} not ready after {timeout} s")
