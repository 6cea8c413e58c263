"""The inspection benchmark (issue 4): images/s and videos/s through s3rver, bytes read, time against ffprobe.

``python -m bench inspection [--runs N] [--concurrency 1 4 8] [--rebuild]`` generates (or reuses) the media in
``bench/out/inspection/media`` with the imageio-ffmpeg binary, starts s3rver on a free loopback port, uploads
them and measures ``inspect_object`` at each concurrency, then the two big mp4 files and the short videos against
a full ``ffprobe -show_packets`` scan of the same objects over presigned URLs. Needs node + ``npm install``
(s3rver) and Debian's ``ffprobe``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
from pathlib import Path

import imageio_ffmpeg

from bench.inspection import report
from bench.inspection.corpus import ensure_corpus
from bench.inspection.reference import ffprobe_exe, ffprobe_version
from bench.inspection.runs import Bench
from bench.inspection.server import s3rver, upload
from cairn.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=7, help="timed passes per figure (default 7; medians)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8], help="thread counts (1 4 8)")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the media even if cached")


def run(args: argparse.Namespace) -> str:
    ffprobe = ffprobe_exe()
    load_before = os.getloadavg()[0]
    corpus = ensure_corpus(imageio_ffmpeg.get_ffmpeg_exe(), rebuild=args.rebuild)
    with s3rver() as server, tempfile.TemporaryDirectory(prefix="cairn-bench-") as data_dir:
        uploaded = upload(server, corpus.root, [*corpus.images, *corpus.videos, *corpus.big])
        bench = Bench(server, Settings(data_dir=Path(data_dir)), runs=args.runs, ffprobe=ffprobe)
        print(f"inspection benchmark: s3rver at {server.endpoint}, {args.runs} runs", file=sys.stderr, flush=True)
        rates = [
            *bench.throughput("images", corpus.images, args.concurrency),
            *bench.throughput("videos", corpus.videos, args.concurrency),
        ]
        print("  throughput done; big files", file=sys.stderr, flush=True)
        big = [bench.big_file(media) for media in corpus.big]
        print("  big files done; short videos against ffprobe", file=sys.stderr, flush=True)
        small = bench.compare(corpus.videos)
        startup = bench.ffprobe_startup()
    load = (load_before, os.getloadavg()[0])
    command = "python -m bench " + shlex.join(sys.argv[1:])
    return "\n".join(
        [
            report.header(
                command,
                corpus=corpus,
                runs=args.runs,
                ffprobe_version=ffprobe_version(ffprobe),
                upload_seconds=uploaded,
                load=load,
            ),
            report.throughput(rates),
            report.big_files(big),
            report.comparisons(small, startup),
            report.targets(big, small),
        ]
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench inspection", description=__doc__)
    add_arguments(parser)
    print(run(parser.parse_args(argv)))
    return 0
