"""CLI start-up: how long `cairn --help`, `cairn version` and a read command take, against `python -c pass`.

    python -m bench cli --runs 10
    make bench BENCH_ARGS="cli --runs 10"

Each command runs as its own process, as a user types it (the `cairn` console script of this interpreter's
environment), with stdout thrown away. The commands take turns, round after round, so that a change of load on the
machine weighs on all of them alike; one round before the timed ones warms the file cache. The read command is
`cairn folders list` on a small SQLite data directory made for the run (one first run, then `--folders` folders).

Wall time is what a user waits; CPU time (user + system, of the child) moves less with the load of a shared
machine. By default the Python files of the environment are compiled to bytecode first, as `pip install` does (`uv`
does not unless asked, and with PYTHONDONTWRITEBYTECODE set every start would compile again what it imports):
`--no-compile` measures the environment as it is.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.databases import machine

CAIRN = Path(sys.executable).parent / "cairn"
SRC = Path(__file__).resolve().parents[1] / "src"

# The targets: median seconds, on a machine where `python -c pass` takes a few tens of milliseconds.
TARGETS = {"cairn --help": 0.3, "cairn version": 0.3, "cairn folders list": 0.8}


@dataclass
class Command:
    name: str
    argv: list[str]
    wall: list[float] = field(default_factory=list)  # seconds
    cpu: list[float] = field(default_factory=list)  # seconds of user + system time of the process

    def run(self, env: dict[str, str]) -> None:
        start = time.perf_counter()
        process = subprocess.Popen(self.argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        errors = process.stderr.read().decode() if process.stderr else ""
        if process.stderr:
            process.stderr.close()
        if process.returncode != 0:
            raise RuntimeError(f"{self.name} failed ({process.returncode}): {errors}")
        self.wall.append(wall)
        self.cpu.append(usage.ru_utime + usage.ru_stime)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each command")
    parser.add_argument("--folders", type=int, default=20, help="folders in the data directory `folders list` reads")
    parser.add_argument(
        "--compile",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="compile the environment's Python files to bytecode first, as pip install does",
    )


def run(args: argparse.Namespace) -> str:
    if args.compile:
        _compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="cairn-bench-cli-") as tmp:
        env = _environment(Path(tmp) / "data")
        _make_data(env, folders=args.folders)
        commands = [
            Command("python -c pass", [sys.executable, "-c", "pass"]),
            Command("cairn --help", [str(CAIRN), "--help"]),
            Command("cairn version", [str(CAIRN), "version"]),
            Command("cairn folders list", [str(CAIRN), "folders", "list"]),
        ]
        load_before = os.getloadavg()
        for command in commands:  # warm-up round, not counted
            command.run(env)
            command.wall.clear()
            command.cpu.clear()
        for _ in range(args.runs):
            for command in commands:
                command.run(env)
        load_after = os.getloadavg()
    return _report(args, commands, load_before=load_before, load_after=load_after)


def _compile_bytecode() -> None:
    """Compile the environment's packages and cairn's sources (files already compiled are skipped)."""
    paths = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], str(SRC)}
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", *sorted(paths)],
        check=False,  # a file that does not compile (a test fixture of some package) is no reason to stop
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _environment(data_dir: Path) -> dict[str, str]:
    """This process's environment, without cairn settings but the data directory; a fixed terminal width."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")}
    env.update({"CAIRN_DATA_DIR": str(data_dir), "COLUMNS": "120"})
    return env


def _make_data(env: dict[str, str], *, folders: int) -> None:
    """The first run (migrate, local admin), then ``folders`` top-level folders."""
    for number in range(folders):
        subprocess.run(
            [str(CAIRN), "folders", "create", f"folder {number:03d}", "--description", "bench"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


def _report(
    args: argparse.Namespace,
    commands: list[Command],
    *,
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
) -> str:
    baseline = statistics.median(commands[0].wall)
    lines = [
        "## CLI start-up",
        "",
        f"`python -m bench cli --runs {args.runs} --folders {args.folders}"
        f"{'' if args.compile else ' --no-compile'}`: median of {args.runs} runs per command, the commands taking "
        f"turns; bytecode {'compiled first' if args.compile else 'as the environment has it'}.",
        "",
        "| command | median wall (ms) | min wall (ms) | median CPU (ms) | wall / `python -c pass` | target | met |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for command in commands:
        wall = statistics.median(command.wall)
        target = TARGETS.get(command.name)
        met = "" if target is None else ("yes" if wall <= target else "no")
        lines.append(
            f"| `{command.name}` | {wall * 1000:.0f} | {min(command.wall) * 1000:.0f} | "
            f"{statistics.median(command.cpu) * 1000:.0f} | {wall / baseline:.1f}x | "
            f"{'' if target is None else f'≤ {target * 1000:.0f} ms'} | {met} |"
        )
    about = machine()
    lines += [
        "",
        f"Machine: {about['cpu']}, {about['cores']}, {about['memory']}; {about['os']}; Python {about['python']}. "
        f"Load average (1, 5, 15 min) before: {_load(load_before)}, after: {_load(load_after)}.",
        "",
    ]
    return "\n".join(lines)


def _load(load: tuple[float, float, float]) -> str:
    return ", ".join(f"{value:.2f}" for value in load)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cli", description=__doc__)
    add_arguments(parser)
    print(run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
