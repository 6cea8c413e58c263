"""Collecting located problems (errors) and warnings while a manifest is read."""

from __future__ import annotations

from typing import NoReturn

from cairn.errors import ManifestError, Problem


class ProblemLog:
    """Errors and warnings found so far.

    In ``fail_fast`` mode (the registering pass) the first error raises at once; otherwise errors are collected
    up to ``max_problems`` and the next one raises a ``ManifestError`` marked as truncated.
    """

    def __init__(self, *, source: str, max_problems: int, fail_fast: bool = False) -> None:
        self.source = source
        self.max_problems = max_problems
        self.fail_fast = fail_fast
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.warnings_truncated = False

    @property
    def error_count(self) -> int:
        return len(self.errors)

    def error(self, location: str, message: str, *, field: str | None = None) -> None:
        """Record an error; raise when failing fast or when the list is full."""
        if len(self.errors) >= self.max_problems:
            raise ManifestError(self.errors, source=self.source, truncated=True)
        self.errors.append(Problem(location, message, field))
        if self.fail_fast:
            raise ManifestError(self.errors, source=self.source)

    def fatal(self, location: str, message: str, *, field: str | None = None) -> NoReturn:
        """Record an error after which reading cannot go on, and raise with everything found so far."""
        truncated = len(self.errors) >= self.max_problems
        if not truncated:
            self.errors.append(Problem(location, message, field))
        raise ManifestError(self.errors, source=self.source, truncated=truncated)

    def warn(self, location: str, message: str, *, field: str | None = None) -> None:
        """Record a warning (kept up to ``max_problems``; later ones only mark the list truncated)."""
        if len(self.warnings) >= self.max_problems:
            self.warnings_truncated = True
            return
        self.warnings.append(Problem(location, message, field))

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ManifestError(self.errors, source=self.source)
