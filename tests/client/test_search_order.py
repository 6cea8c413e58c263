"""The SDK leaves the order to the server unless asked: global search is newest first there."""

from __future__ import annotations

import httpx

from cairn.client import Client


def test_search_and_listings_send_an_order_only_when_asked() -> None:
    sent: list[httpx.QueryParams] = []

    def reply(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.params)
        return httpx.Response(200, json={"items": [], "next_cursor": None})

    with Client("http://cairn.test", "cairn_x", transport=httpx.MockTransport(reply)) as client:
        list(client.search("cat"))
        list(client.search("cat", sort="name", desc=True))
    assert "sort" not in sent[0] and "desc" not in sent[0]
    assert sent[1]["sort"] == "name" and sent[1]["desc"] == "true"
