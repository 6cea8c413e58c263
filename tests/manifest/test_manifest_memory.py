"""Reading a large manifest keeps memory flat: far below what the whole file parsed into Python objects takes."""

from __future__ import annotations

import gc
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from bench.manifest_gen import write_json_manifest_of_size

from cairn.domain.manifest import iter_units, validate_manifest

N = 100_000


def peak_bytes(action: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def big_manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("manifest") / "big.json"
    # Without media metadata: tracemalloc slows every allocation, and the suite must stay fast.
    write_json_manifest_of_size(path, N, kind="mixed", with_metadata=False, skip_duplicate_urls=True)
    return path


def fully_parsed_bytes(path: Path) -> int:
    """What holding the parsed file takes, measured on its first 2,000 entries and scaled to all of them."""
    with path.open(encoding="utf-8") as text:
        head = [next(text) for _ in range(2_001)]
    sample = "".join(head).rstrip().rstrip(",") + "]}"
    return peak_bytes(lambda: json.loads(sample)) * N // 2_000


@pytest.mark.slow
def test_validating_a_100k_manifest_keeps_memory_flat(big_manifest: Path) -> None:
    def validate() -> None:
        with big_manifest.open("rb") as stream:
            summary = validate_manifest(stream, source="big.json")
        assert (summary.units, summary.urls, summary.options.skip_duplicate_urls) == (N, N, True)

    full = fully_parsed_bytes(big_manifest)
    peak = peak_bytes(validate)
    assert full > 25 * 2**20  # the parsed structure would be large (about 330 bytes an entry, even without metadata)...
    # ...the streaming pass stays far below it: 16 bytes per URL fingerprint (in a table at most half full, briefly
    # held twice while it grows) and one 64 KiB chunk of parser events; nothing else grows with the entries.
    assert peak < full / 3
    assert peak / N < 100


def test_iterating_units_keeps_memory_flat(tmp_path: Path) -> None:
    path = tmp_path / "10k.json"
    write_json_manifest_of_size(path, 10_000, kind="videos")

    def iterate() -> None:
        with path.open("rb") as stream:
            assert sum(1 for _ in iter_units(stream, source="10k.json")) == 10_000

    # No URL fingerprints in this pass: one 64 KiB chunk of parser events and a few entries at a time.
    assert peak_bytes(iterate) < 3 * 2**20
