"""How the CLI fails: ``Error (code): message`` on stderr, located details below it, exit status 1.

A CairnError never shows a traceback. Usage errors (a missing argument, a bad option) stay Typer's and exit with 2.
With ``--json`` the error body (``CairnError.to_dict()``) is also written on stdout as ``{"error": {...}}``, so a
script reading stdout always gets one JSON document.
"""

from __future__ import annotations

import json
from typing import Any

import typer
from typer import _click  # Typer vendors click: its Context is the one a group is invoked with
from typer.core import TyperGroup

from cairn.errors import CairnError

EXIT_FAILURE = 1
JSON_OUTPUT_KEY = "cairn.json_output"  # set in ctx.meta by the root callback, before anything can fail
MAX_LISTED_PROBLEMS = 50


class CairnGroup(TyperGroup):
    """The root command group: turns every CairnError raised below it into the CLI's error format."""

    def invoke(self, ctx: _click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CairnError as error:
            report(error, json_output=bool(ctx.meta.get(JSON_OUTPUT_KEY, False)))
            raise typer.Exit(EXIT_FAILURE) from None


def report(error: CairnError, *, json_output: bool) -> None:
    """Print an error for people on stderr (and its JSON body on stdout with ``--json``)."""
    for line in error_lines(error):
        typer.echo(line, err=True)
    if json_output:
        typer.echo(json.dumps({"error": error.to_dict()}, indent=2, ensure_ascii=False, default=str))


def error_lines(error: CairnError) -> list[str]:
    """``Error (code): message``, then one line per located problem (manifest errors)."""
    lines = [f"Error ({error.code}): {error.message}"]
    problems = error.details.get("problems")
    if isinstance(problems, list) and problems:
        lines.extend(f"  {_problem_line(p)}" for p in problems[:MAX_LISTED_PROBLEMS])
        if len(problems) > MAX_LISTED_PROBLEMS:
            lines.append(f"  ... and {len(problems) - MAX_LISTED_PROBLEMS} more (use --json to see them all)")
    return lines


def _problem_line(problem: Any) -> str:
    if not isinstance(problem, dict):
        return str(problem)
    field = f" [{problem['field']}]" if problem.get("field") else ""
    return f"{problem.get('location', '?')}{field}: {problem.get('message', '')}"
