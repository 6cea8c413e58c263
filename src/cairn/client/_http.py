"""The SDK's one HTTP session: base URL, token, JSON in and out, errors mapped, cursor pagination."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx

from cairn.client._errors import error_from_response, transport_error

T = TypeVar("T")
API = "/api/v1"
Params = dict[str, Any]


def _clean(params: Params | None) -> Params | None:
    """Drop None values (the API's defaults apply) and render booleans as the API expects."""
    if params is None:
        return None
    return {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in params.items() if v is not None}


class Http:
    """Sends requests to one cairn server with one API token."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.client = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "cairn-python-sdk"},
            timeout=timeout,
            transport=transport,
        )

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send one request; an error response raises the matching ``cairn.errors`` class."""
        if "params" in kwargs:
            kwargs["params"] = _clean(kwargs["params"])
        try:
            response = self.client.request(method, API + path, **kwargs)
        except httpx.TransportError as exc:
            raise transport_error(self.url, exc) from exc
        if response.status_code >= 400:
            raise error_from_response(response)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        return response.json() if response.content else None

    def pages(self, path: str, params: Params, key: str, build: Callable[[dict[str, Any]], T]) -> Iterator[T]:
        """Every record of a cursor-paginated listing, fetched page by page as the iterator is consumed."""
        cursor: str | None = None
        while True:
            page = self.json("GET", path, params={**params, "cursor": cursor})
            yield from (build(record) for record in page[key])
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def close(self) -> None:
        self.client.close()
