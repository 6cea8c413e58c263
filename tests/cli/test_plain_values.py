"""Plain command-line values are taken without pydantic, and exactly as Typer's own conversion takes them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer import _coercion
from typer._click.exceptions import BadParameter
from typer.models import ArgumentInfo, OptionInfo, ParameterInfo
from typer.testing import CliRunner

from cairn.cli.main import app
from cairn.cli.plain_values import _NOT_PLAIN, plain_value

PARAMETERS: list[tuple[Any, ParameterInfo]] = [
    (str, ArgumentInfo()),
    (str, OptionInfo()),
    (bool, OptionInfo()),
    (int, ArgumentInfo()),
    (int, OptionInfo(min=1, max=1000)),
    (int, OptionInfo(min=-1)),
    (int, OptionInfo(min=0, max=10, clamp=True)),
    (float, OptionInfo()),
]
VALUES = st.one_of(
    st.text(alphabet="0123456789+-_ .e\t\n", max_size=22),
    st.text(max_size=8),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
    st.floats(allow_nan=False),
)


def _typer_value(annotation: Any, info: ParameterInfo, value: Any) -> Any:
    """What Typer's own conversion (a pydantic TypeAdapter) makes of ``value``, or the error it raises."""
    typer_param = _coercion.build_runtime_param(_coercion.resolve_type_descriptor(annotation, info))
    try:
        return typer_param._coerce_value(value, param=None, ctx=None)  # type: ignore[arg-type]
    except BadParameter as error:
        return error


@pytest.mark.parametrize(("annotation", "info"), PARAMETERS)
@given(value=VALUES)
def test_a_plain_value_is_what_typer_makes_of_it(annotation: Any, info: ParameterInfo, value: Any) -> None:
    plain = plain_value(_coercion.resolve_type_descriptor(annotation, info), value)
    if plain is not _NOT_PLAIN:
        typer_value = _typer_value(annotation, info, value)
        assert plain == typer_value and type(plain) is type(typer_value)


@pytest.mark.parametrize(
    ("annotation", "info", "value", "expected"),
    [
        (str, OptionInfo(), "Cars/front", "Cars/front"),
        (bool, OptionInfo(), False, False),
        (int, ArgumentInfo(), "12", 12),
        (int, ArgumentInfo(), "-3", -3),
        (int, OptionInfo(min=1, max=1000), 50, 50),
        (int, OptionInfo(min=1, max=1000), "1000", 1000),
    ],
)
def test_common_values_take_the_fast_path(annotation: Any, info: ParameterInfo, value: Any, expected: Any) -> None:
    assert plain_value(_coercion.resolve_type_descriptor(annotation, info), value) == expected


@pytest.mark.parametrize(
    ("annotation", "info", "value"),
    [
        (int, OptionInfo(min=1, max=1000), "0"),  # out of bounds: Typer says so
        (int, ArgumentInfo(), " 12"),
        (int, ArgumentInfo(), "+12"),
        (int, ArgumentInfo(), "1_000"),
        (int, ArgumentInfo(), "twelve"),
        (int, OptionInfo(min=0, max=10, clamp=True), "12"),  # clamped by Typer
        (str, OptionInfo(parser=str.upper), "abc"),
        (float, OptionInfo(), "1.5"),
    ],
)
def test_other_values_go_to_typer(annotation: Any, info: ParameterInfo, value: Any) -> None:
    assert plain_value(_coercion.resolve_type_descriptor(annotation, info), value) is _NOT_PLAIN


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["items", "show", "not-a-number"], "Invalid value for 'ID': Input should be a valid integer"),
        (["token", "create", "laptop", "--expires-days", "0"], "Input should be greater than or equal to 1"),
    ],
)
def test_a_bad_value_gets_typer_s_error(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split()), result.stderr
