"""An upload is streamed: sending 50 MB through a real uvicorn server raises the server process's peak memory
(VmHWM, reset first through /proc/self/clear_refs) by a few MB, not by the file's size.

The server and the client run in a fresh subprocess so nothing else of the test session touches the peak; the
client sends the file from disk in 64 KiB chunks, so the peak measured is the server's work.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SIZE = 50 * 1024 * 1024
ALLOWED_GROWTH = 12 * 1024 * 1024

_SCRIPT = textwrap.dedent(
    """
    import json, socket, sys, threading, time
    from pathlib import Path

    import httpx, uvicorn

    from cairn.api.app import create_app
    from cairn.services.registry import Registry
    from cairn.settings import Settings

    def peak_kib() -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        raise RuntimeError("no VmHWM")

    root, size = Path(sys.argv[1]), int(sys.argv[2])
    settings = Settings(data_dir=root / "data", workers=0)
    registry = Registry(settings)
    registry.migrate()
    admin = registry.users.ensure_local_admin()[0]
    headers = {"Authorization": "Bearer " + registry.auth.create_token(actor=admin, name="m").secret}
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(settings, registry=registry), port=port, log_level="warning")
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}/api/v1"
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    folder = httpx.post(f"{base}/folders", json={"name": "M"}, headers=headers).json()["id"]
    big = root / "big.txt"
    line = b"cairn streams uploads to disk in chunks\\n"
    with big.open("wb") as out:
        for _ in range(size // len(line) + 1):
            out.write(line)
    small = root / "small.txt"
    small.write_bytes(line * 100)

    def upload(path: Path) -> int:
        with path.open("rb") as handle:
            answer = httpx.post(
                f"{base}/folders/{folder}/upload",
                files=[("files", (path.name, handle, "text/plain"))],
                headers=headers,
                timeout=300,
            )
        assert answer.status_code == 201, answer.text
        return answer.json()["items"][0]["media"]["file_size"]

    upload(small)  # warm up: imports, first queries, thread pools
    Path("/proc/self/clear_refs").write_text("5")
    before = peak_kib()
    stored = upload(big)
    after = peak_kib()
    server.should_exit = True
    print(json.dumps({"before_kib": before, "after_kib": after, "stored": stored}))
    """
)


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc to measure peak memory")
def test_a_50_mb_upload_does_not_raise_the_server_peak_memory_by_its_size(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(tmp_path), str(SIZE)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert measured["stored"] >= SIZE
    growth = (measured["after_kib"] - measured["before_kib"]) * 1024
    assert growth < ALLOWED_GROWTH, f"peak memory grew by {growth / 2**20:.1f} MiB for a {SIZE / 2**20:.0f} MiB upload"
