"""The SDK maps every error code of the tree back to its class (a new class cannot be left unmapped)."""

from __future__ import annotations

import httpx
import pytest

import cairn.client
from cairn import errors
from cairn.api.errors import STATUS_BY_ERROR, error_body
from cairn.client import Client


def _classes(root: type[errors.CairnError]) -> list[type[errors.CairnError]]:
    return [root, *(c for sub in root.__subclasses__() for c in _classes(sub))]


@pytest.mark.parametrize("cls", _classes(errors.CairnError), ids=lambda c: c.code)
def test_each_error_body_raises_its_own_class(cls: type[errors.CairnError]) -> None:
    status = STATUS_BY_ERROR[cls]
    details = {"problems": [{"location": "/images/0", "message": "objectUrl is missing", "field": "objectUrl"}]}
    body = error_body(status=status, code=cls.code, message=f"a {cls.code}", details=details)
    transport = httpx.MockTransport(lambda request: httpx.Response(status, json=body))
    with Client("http://cairn.test", "cairn_x", transport=transport) as client, pytest.raises(cls) as raised:
        client.me()
    assert type(raised.value) is cls
    assert raised.value.message == f"a {cls.code}" and raised.value.status == status  # type: ignore[attr-defined]
    if cls is errors.ManifestError:
        assert raised.value.problems == [errors.Problem("/images/0", "objectUrl is missing", "objectUrl")]  # type: ignore[attr-defined]


def test_unknown_codes_fall_back_by_status_and_non_json_bodies_still_raise() -> None:
    replies = iter(
        [
            httpx.Response(404, json=error_body(status=404, code="brand_new", message="gone")),
            httpx.Response(502, text="<html>bad gateway</html>"),
        ]
    )
    transport = httpx.MockTransport(lambda request: next(replies))
    with Client("http://cairn.test", "cairn_x", transport=transport) as client:
        with pytest.raises(errors.NotFound):
            client.me()
        with pytest.raises(errors.CairnError) as raised:
            client.me()
        assert "HTTP 502" in raised.value.message


def test_the_public_names_exist() -> None:
    assert all(hasattr(cairn.client, name) for name in cairn.client.__all__)
