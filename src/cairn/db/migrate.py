"""Schema migrations (Alembic), run in process: ``upgrade(database)`` brings a database to the newest schema."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from cairn.db.database import Database
from cairn.errors import ConfigurationError

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection

# Alembic is imported where it is used: it costs a second at start-up, and most commands never migrate. Whether a
# database is up to date is answered without it (``pending_revisions``), as every command asks.

_SCRIPTS = Path(__file__).parent / "migrations"
# The revisions of the pre-release schema histories folded into the baseline (base2): 0001-0016, then 0001 and the
# migrations stacked on it. A database still at one of them has another schema and cannot be upgraded.
_BEFORE_BASELINE = frozenset(
    [f"{n:04d}" for n in range(1, 17)]
    + ["reencode1", "resultobj1", "urlkeys1", "thumbs1", "ftskind1", "kindtrgm1", "titleprefix1"]
)


def _config() -> Config:
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def upgrade(database: Database, *, revision: str = "heads") -> None:
    """Apply every migration up to ``revision`` (default: every head) in one transaction."""
    from alembic import command  # noqa: PLC0415

    _run(database, lambda config: command.upgrade(config, revision))


def downgrade(database: Database, *, revision: str) -> None:
    """Undo the migrations after ``revision``, in one transaction (tests, and by hand before going back to an older
    cairn)."""
    from alembic import command  # noqa: PLC0415

    _run(database, lambda config: command.downgrade(config, revision))


def _run(database: Database, step: Callable[[Config], None]) -> None:
    """Run an Alembic ``step`` on the connection of ``_migrating``."""
    config = _config()
    with _migrating(database) as conn:
        config.attributes["connection"] = conn
        step(config)


@contextmanager
def _migrating(database: Database) -> Iterator[Connection]:
    """The one transaction migrations run in.

    On SQLite, foreign keys are off meanwhile and every one is checked before the commit, as SQLite prescribes
    for changing a table's definition: a migration that makes a table again drops the old one, and with foreign
    keys on, that drop would first delete what refers to it.
    """
    with database.engine.connect() as conn:
        if not database.is_sqlite:
            with conn.begin():
                yield conn
            return
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys = OFF")  # outside a transaction, where SQLite takes it
        try:
            with conn.begin():
                yield conn
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    table, rowid, parent, _ = broken[0]
                    raise ConfigurationError(
                        f"the migration left {len(broken)} broken reference(s), nothing was changed: "
                        f"e.g. row {rowid} of {table} refers to a missing row of {parent}"
                    )
        finally:
            raw.execute("PRAGMA foreign_keys = ON")


def current_revisions(database: Database) -> set[str]:
    """The revisions in Alembic's version table (empty for an empty database)."""
    with database.read() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return set()
        return {row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}


def pending_revisions(database: Database) -> list[str]:
    """The migrations this version of cairn has and the database lacks, in order (empty: up to date).

    Every command asks, so this runs without Alembic (about a second to import). Applied are the revisions of the
    version table and all they build on (``down_revision`` and ``depends_on``, which Alembic counts alike: once a
    migration that depends on another is applied, that other leaves the version table); pending is every other known
    revision.
    """
    graph = revision_graph()
    current = current_revisions(database)
    unknown = sorted(current - graph.keys())
    if unknown:
        where = database.url.render_as_string(hide_password=True)
        if set(unknown) <= _BEFORE_BASELINE:
            raise ConfigurationError(
                f"the database at {where} was made by a pre-release cairn (schema revision(s) {', '.join(unknown)}), "
                "whose schema history was folded into one baseline: make a new database and register the files "
                "again (nothing of the old one can be upgraded)",
                details={"unknown_revisions": unknown},
            )
        raise ConfigurationError(
            f"the database at {where} has schema revision(s) {', '.join(unknown)}, which this version of cairn "
            "does not know: it was migrated by a newer cairn; run that version (or a newer one) against it",
            details={"unknown_revisions": unknown},
        )
    applied: set[str] = set()
    todo = list(current)
    while todo:
        revision = todo.pop()
        if revision not in applied:
            applied.add(revision)
            todo.extend(graph.get(revision, ()))
    return sorted(graph.keys() - applied)


def needs_upgrade(database: Database) -> bool:
    return bool(pending_revisions(database))


RevisionGraph = dict[str, frozenset[str]]
"""Each migration's revision, with the revisions it builds on (its ``down_revision`` and ``depends_on``)."""


def revision_graph() -> RevisionGraph:
    """The migrations' revision graph, read from the files' source without running them; read by Alembic (which
    imports every migration) only if a file does not spell its revisions as literals."""
    return _graph_from_sources() or alembic_revision_graph()


def alembic_revision_graph() -> RevisionGraph:
    """The revision graph as Alembic reads it."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    script = ScriptDirectory.from_config(_config())
    return {
        revision.revision: _revision_set(revision.down_revision) | _revision_set(revision.dependencies)
        for revision in script.walk_revisions()
    }


def _graph_from_sources() -> RevisionGraph | None:
    graph: RevisionGraph = {}
    for path in sorted((_SCRIPTS / "versions").glob("*.py")):
        names = _module_literals(path)
        revision = names.get("revision")
        if path.name == "__init__.py" and revision is None:
            continue
        if not isinstance(revision, str):
            return None
        graph[revision] = _revision_set(names.get("down_revision")) | _revision_set(names.get("depends_on"))
    return graph


_REVISION_LINE = re.compile(r"^(revision|down_revision|depends_on)\s*(?::[^=]*)?=\s*(.*?)\s*(?:#.*)?$", re.MULTILINE)
_QUOTED = re.compile(r"""["']([^"']+)["']""")
_LITERAL = re.compile(r"""None|["'][^"']+["']|[(\[]\s*(?:["'][^"']+["']\s*,?\s*)*[)\]]""")


def _module_literals(path: Path) -> dict[str, object]:
    """The revision names of a migration file written as literals (``revision = "0002"``, ``depends_on = None``,
    a tuple of strings), by name; a value written otherwise is left out.

    Read with a regular expression, not ``ast``: on Python 3.11 ``ast.parse`` may fail (``SystemError``) while
    another thread compiles, and every command asks this, the server's threads included.
    """
    values: dict[str, object] = {}
    for match in _REVISION_LINE.finditer(path.read_text(encoding="utf-8")):
        name, value = match.groups()
        if not _LITERAL.fullmatch(value):
            continue
        quoted = _QUOTED.findall(value)
        values[name] = None if value == "None" else quoted[0] if value[0] in "\"'" else tuple(quoted)
    return values


def _revision_set(value: object) -> frozenset[str]:
    """``None``, ``"0002"`` or ``("0002", "0004")`` as a set of revisions."""
    if value is None:
        return frozenset()
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(str(item) for item in value) if isinstance(value, tuple | list) else frozenset()
