"""Command-line values that need no conversion are taken as they are, without pydantic.

Typer 0.29 converts every option and argument value through a pydantic ``TypeAdapter`` built for its annotation,
even a ``str`` that stays a ``str`` or an option left out: building the first one imports pydantic, which was a
third of ``cairn version``'s start-up. ``install()`` puts a lazy parameter in front of Typer's: a value left out,
a text for a ``str``, a bool for a flag, an integer written as plain digits within an ``int`` option's bounds are
taken at once; any other value (an enum choice, a path, a sign or spaces, out of bounds, not a number) goes to
Typer's own adapter, made then, so that what is accepted and every error message stay Typer's.
``tests/cli/test_plain_values.py`` checks that both agree wherever the fast path answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from typer import _coercion, core

if TYPE_CHECKING:
    from typer._click import Context
    from typer._coercion import RuntimeParam, TypeDescriptor
    from typer.core import _TyperParameter

# Digits with an optional minus read as the same int by int() and by pydantic; a "+", "_", spaces, non-ASCII digits or
# more digits go to Typer's own conversion.
_DIGITS = re.compile(r"-?[0-9]{1,18}")
_NOT_PLAIN = object()

_typer_runtime_param = _coercion.build_runtime_param


@dataclass(frozen=True)
class LazyRuntimeParam(_coercion.RuntimeParam):
    """A parameter's conversion: plain values directly, anything else through Typer's, made on first need.

    An absent value (None) is never converted (``RuntimeParam.coerce``), so an option left out costs nothing.
    """

    descriptor: TypeDescriptor

    @cached_property
    def _typer(self) -> RuntimeParam:
        return _typer_runtime_param(self.descriptor)

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        plain = plain_value(self.descriptor, value)
        if plain is _NOT_PLAIN:
            return self._typer._coerce_value(value, param=param, ctx=ctx)
        return plain


def plain_value(descriptor: TypeDescriptor, value: Any) -> Any:
    """``value`` as the parameter takes it when that needs no conversion, else ``_NOT_PLAIN``."""
    info = descriptor.parameter_info
    if descriptor.file_annotation is not None or info.parser is not None:
        return _NOT_PLAIN
    if descriptor.annotation is str:
        return value if isinstance(value, str) else _NOT_PLAIN
    if descriptor.annotation is bool:
        return value if isinstance(value, bool) else _NOT_PLAIN
    if descriptor.annotation is int and not info.clamp:
        return _bounded(_plain_int(value), low=info.min, high=info.max)
    return _NOT_PLAIN


def _plain_int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    return None


def _bounded(number: int | None, *, low: float | None, high: float | None) -> Any:
    if number is None or (low is not None and number < low) or (high is not None and number > high):
        return _NOT_PLAIN
    return number


def build_runtime_param(descriptor: TypeDescriptor) -> RuntimeParam:
    """Typer's ``build_runtime_param``, deferred to the first value that needs converting."""
    return LazyRuntimeParam(
        annotation=descriptor.annotation, parameter_info=descriptor.parameter_info, descriptor=descriptor
    )


def install() -> None:
    """Make Typer's parameters use ``build_runtime_param`` (they build their runtime parameter on first use).

    Typer's name is replaced only where it is: a Typer that no longer has it keeps its own conversion (and
    ``tests/cli/test_startup.py`` then fails, seeing pydantic imported by ``cairn version``)."""
    if getattr(core, "build_runtime_param", None) is _typer_runtime_param:
        core.build_runtime_param = build_runtime_param  # type: ignore[attr-defined]  # Typer's own import
