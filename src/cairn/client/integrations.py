"""``client.integrations``: the buckets files are registered from. Credentials go in, never come back."""

from __future__ import annotations

import builtins
from typing import Any

from cairn.client._http import Http
from cairn.client.models import AccessCheck, Integration, parse


def _integration(data: dict[str, Any]) -> Integration:
    return parse(Integration, data)


class Integrations:
    def __init__(self, http: Http) -> None:
        self._http = http

    def list(self) -> builtins.list[Integration]:
        return [_integration(i) for i in self._http.json("GET", "/integrations")["integrations"]]

    def get(self, integration_id: int) -> Integration:
        return _integration(self._http.json("GET", f"/integrations/{integration_id}"))

    def create(
        self,
        name: str,
        *,
        provider: str,
        bucket: str | None = None,
        region: str | None = None,
        endpoint: str | None = None,
        root: str | None = None,
        prefix: str = "",
        credentials: dict[str, str] | None = None,
        options: dict[str, str] | None = None,
        shared: bool = False,
    ) -> Integration:
        """Add an integration (s3, s3_compatible, gcs, azure, local)."""
        body = {
            "name": name,
            "provider": provider,
            "bucket": bucket,
            "region": region,
            "endpoint": endpoint,
            "root": root,
            "prefix": prefix,
            "credentials": credentials or {},
            "options": options or {},
            "shared": shared,
        }
        return _integration(self._http.json("POST", "/integrations", json=body))

    def update(self, integration_id: int, **changes: Any) -> Integration:
        """Change ``name``, ``prefix``, ``credentials``, ``options`` or ``shared``."""
        body = {k: v for k, v in changes.items() if v is not None}
        return _integration(self._http.json("PATCH", f"/integrations/{integration_id}", json=body))

    def delete(self, integration_id: int) -> None:
        self._http.request("DELETE", f"/integrations/{integration_id}")

    def check(self, integration_id: int, *, key: str | None = None) -> AccessCheck:
        """Prove the credentials work (list under the prefix, or HEAD ``key``); raises a StorageError if not."""
        return parse(AccessCheck, self._http.json("POST", f"/integrations/{integration_id}/check", json={"key": key}))
