"""Generate large Encord-format JSON manifests (streaming) and time how fast cairn reads them.

    python bench/manifest_gen.py /tmp/m.json 1000000          # write, then validate and iterate, with timings

``write_json_manifest_of_size`` is what the registration benchmark uses to make its input.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any, Literal

Kind = Literal["images", "videos", "mixed"]


def _entry(number: int, *, video: bool, with_metadata: bool, base_url: str) -> dict[str, Any]:
    extension = "mp4" if video else "jpg"
    entry: dict[str, Any] = {
        "objectUrl": f"{base_url}/{number // 1000:04d}/{number:07d}.{extension}",
        "title": f"item {number}",
    }
    if not with_metadata:
        return entry
    entry["clientMetadata"] = {
        "split": "train" if number % 10 else "val",
        "batch": number // 1000,
        "tags": ["bench", f"t{number % 7}"],
    }
    if video:
        entry["videoMetadata"] = {
            "fps": 30.0,
            "duration": 12.5,
            "width": 1920,
            "height": 1080,
            "file_size": 1_000_000 + number,
            "mime_type": "video/mp4",
        }
    else:
        entry["imageMetadata"] = {"mimeType": "image/jpeg", "fileSize": 100_000 + number, "width": 640, "height": 480}
    return entry


def write_json_manifest_of_size(
    path: str | Path,
    n: int,
    *,
    with_metadata: bool = True,
    base_url: str = "s3://cairn-bench/data",
    kind: Kind = "images",
    skip_duplicate_urls: bool = False,
) -> int:
    """Write a JSON manifest of ``n`` single-file units to ``path``, one entry at a time; return its size in bytes.

    ``kind`` = "images", "videos", or "mixed" (every 10th unit a video). URLs are unique:
    ``{base_url}/{n // 1000:04d}/{n:07d}.jpg``. The options come after the arrays, as Encord's examples put them.
    """
    numbers = range(n)
    with Path(path).open("w", encoding="utf-8", buffering=1 << 20) as out:
        out.write("{")
        sections = [
            ("images", (i for i in numbers if kind == "images" or (kind == "mixed" and i % 10))),
            ("videos", (i for i in numbers if kind == "videos" or (kind == "mixed" and i % 10 == 0))),
        ]
        first_section = True
        for key, members in sections:
            first = True
            for number in members:
                if first:
                    out.write(("" if first_section else ",") + f'\n  "{key}": [\n    ')
                    first_section = False
                else:
                    out.write(",\n    ")
                first = False
                entry = _entry(number, video=key == "videos", with_metadata=with_metadata, base_url=base_url)
                out.write(json.dumps(entry, separators=(",", ":")))
            if not first:
                out.write("\n  ]")
        out.write(
            ("" if first_section else ",") + f'\n  "skip_duplicate_urls": {json.dumps(skip_duplicate_urls)}\n}}\n'
        )
    return Path(path).stat().st_size


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("path")
    parser.add_argument("n", type=int)
    parser.add_argument("--no-metadata", action="store_true")
    parser.add_argument("--kind", default="images", choices=["images", "videos", "mixed"])
    args = parser.parse_args(argv)

    from cairn.domain.manifest import DEFAULT_LIMITS, ManifestLimits, iter_units, validate_manifest

    # Encord's limit is 500,000 units per file; the benchmark reads more, so it lifts that limit.
    limits = ManifestLimits(
        max_units=max(args.n, DEFAULT_LIMITS.max_units), max_urls=max(args.n, DEFAULT_LIMITS.max_urls)
    )

    started = time.perf_counter()
    size = write_json_manifest_of_size(args.path, args.n, with_metadata=not args.no_metadata, kind=args.kind)
    print(f"wrote {args.n:,} units, {size / 2**20:.1f} MiB in {time.perf_counter() - started:.1f} s", flush=True)
    print(f"peak RSS before reading: {_peak_rss_mib():.0f} MiB", flush=True)
    started, cpu = time.perf_counter(), time.process_time()
    with open(args.path, "rb") as stream:
        summary = validate_manifest(stream, source=args.path, limits=limits)
    print(
        f"validate_manifest: {summary.units:,} units, {summary.urls:,} URLs, {len(summary.duplicates)} repeats in "
        f"{time.perf_counter() - started:.1f} s ({time.process_time() - cpu:.1f} s CPU); "
        f"peak RSS {_peak_rss_mib():.0f} MiB",
        flush=True,
    )
    started, cpu = time.perf_counter(), time.process_time()
    with open(args.path, "rb") as stream:
        count = sum(1 for _ in iter_units(stream, source=args.path, limits=limits))
    print(
        f"iter_units: {count:,} units in {time.perf_counter() - started:.1f} s ({time.process_time() - cpu:.1f} s "
        f"CPU); peak RSS {_peak_rss_mib():.0f} MiB",
        flush=True,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
