"""``python -m bench [NAME] [OPTIONS]``: run one benchmark by name, or all of them with no name.

Each benchmark module has ``add_arguments(parser)`` and ``run(args) -> str`` (its Markdown report); register a new
one (registration, inspection, ...) in ``BENCHMARKS``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from types import ModuleType

from bench import cli, frame_export, frames, inspection, items, media, registration, thumbnails, ui

BENCHMARKS: dict[str, ModuleType] = {
    "items": items,
    "inspection": inspection,
    "registration": registration,
    "cli": cli,
    "frames": frames,
    "ui": ui,
    "media": media,
    "frame_export": frame_export,
    "thumbnails": thumbnails,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--output", type=Path, help="also write the Markdown report to this file")
    commands = parser.add_subparsers(dest="benchmark", metavar="NAME")
    for name, module in BENCHMARKS.items():
        add_arguments = module.add_arguments
        add_arguments(commands.add_parser(name, help=(module.__doc__ or "").splitlines()[0]))
    return parser


def main(argv: list[str]) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    chosen = [args.benchmark] if args.benchmark else list(BENCHMARKS)
    reports = []
    for name in chosen:
        module_args = args if args.benchmark else parser.parse_args([*argv, name])
        reports.append(BENCHMARKS[name].run(module_args))
    text = "\n".join(reports)
    print(text)
    if args.output:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
