"""``cairn probe`` (any file or object, nothing registered) and ``cairn inspect`` (re-inspect an item)."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cairn.cli.output import fields_table, human_size, print_json, say, table
from cairn.cli.session import session_of
from cairn.domain.kinds import ItemKind

if TYPE_CHECKING:
    from cairn.cli.session import Session
    from cairn.services.inspection import Inspected

_URL_PREFIXES = ("s3://", "gs://", "az://", "http://", "https://", "arn:", "file://")


def probe(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(metavar="URL|PATH", help="A local file, or an object URL.")],
    integration: Annotated[
        str | None,
        typer.Option("--integration", "-i", help="Integration to read an object URL through (name or id:N)."),
    ] = None,
    kind: Annotated[ItemKind | None, typer.Option("--kind", help="Kind you expect (a mismatch is reported).")] = None,
) -> None:
    """Inspect one file or object without registering it: its properties and every check with its fix."""
    session = session_of(ctx)
    registry, actor = session.registry(), session.actor()
    if target.startswith(_URL_PREFIXES) and not Path(target).exists():
        if integration is None:
            raise typer.BadParameter("an object URL needs --integration NAME", param_hint="--integration")
        outcome = registry.inspection.probe_url(actor=actor, url=target, integration=integration, kind=kind)
    else:
        outcome = registry.inspection.probe_path(actor=actor, path=Path(target), kind=kind)
    _print_outcome(session, target, outcome)


def inspect(
    ctx: typer.Context,
    item_id: Annotated[int, typer.Argument(metavar="ITEM", help="Item id.")],
) -> None:
    """Re-run the inspection of an item (every member of a composite) and store the result."""
    session = session_of(ctx)
    registry, actor = session.registry(), session.actor()
    stored = registry.inspection.inspect_item(actor=actor, item_id=item_id)
    item = registry.items.get(actor=actor, item_id=item_id)
    if session.json_output:
        print_json(session, {"item": item, "inspection": stored})
        return
    say(session, f"Inspected item {item.id} ({item.title}): {item.status.value}, verdict {stored.verdict}")
    if item.status_reason:
        say(session, f"Reason: {item.status_reason}")
    _print_checks(session, stored.report)


def _print_outcome(session: "Session", target: str, outcome: "Inspected") -> None:
    if session.json_output:
        document: dict[str, Any] = {
            "target": target,
            "status": outcome.status,
            "reason": outcome.reason,
            "verdict": outcome.verdict,
            "media": outcome.media,
            "bytes_read": outcome.bytes_read,
            "requests": outcome.requests,
            "seconds": round(outcome.seconds, 4),
            "report": outcome.report,
        }
        print_json(session, document)
        return
    size = outcome.media.file_size
    session.out.print(
        fields_table(
            [
                ("target", target),
                ("kind", outcome.detected_kind.value if outcome.detected_kind else "-"),
                ("status", outcome.status.value),
                ("reason", outcome.reason or ""),
                ("verdict", outcome.verdict),
                ("read", f"{human_size(outcome.bytes_read)} in {outcome.requests} request(s) of {human_size(size)}"),
            ]
        )
    )
    _print_checks(session, outcome.report)


def _print_checks(session: "Session", report: dict[str, Any]) -> None:
    checks = report.get("checks") or []
    if checks:
        rows = [(c["name"], c["verdict"], c["reason"], c.get("fix", "")) for c in checks]
        session.out.print(table("Checks", ["check", "verdict", "reason", "fix"], rows))
