"""The exception tree: every class exported, documented, with its own stable code."""

from __future__ import annotations

import inspect

from cairn import errors


def _error_classes() -> list[type[errors.CairnError]]:
    return [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, errors.CairnError)]


def test_every_error_class_is_exported_and_drawn_in_the_tree() -> None:
    for cls in _error_classes():
        assert cls.__name__ in errors.__all__
        assert cls.__name__ in (errors.__doc__ or ""), f"{cls.__name__} missing from the tree in the docstring"
        assert cls.__doc__, f"{cls.__name__} needs a docstring saying when it is raised"


def test_codes_are_unique() -> None:
    codes = [cls.code for cls in _error_classes()]
    assert len(codes) == len(set(codes))


def test_manifest_error_lists_every_problem() -> None:
    problems = [errors.Problem(location=f"/videos/{i}", message="bad", field="objectUrl") for i in range(5)]
    err = errors.ManifestError(problems, source="m.json")
    body = err.to_dict()
    assert body["code"] == "manifest_invalid"
    assert [p["location"] for p in body["details"]["problems"]] == [f"/videos/{i}" for i in range(5)]
    assert "m.json: 5 problem(s)" in err.message and "(and 2 more)" in err.message
