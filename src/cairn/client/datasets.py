"""``client.datasets``."""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Sequence
from typing import Any

from cairn.client._http import Http
from cairn.client.folders import item_filters
from cairn.client.models import Dataset, Item, parse


def _dataset(data: dict[str, Any]) -> Dataset:
    return parse(Dataset, data)


class Datasets:
    def __init__(self, http: Http) -> None:
        self._http = http

    def list(self) -> builtins.list[Dataset]:
        return [_dataset(d) for d in self._http.json("GET", "/datasets")["datasets"]]

    def get(self, dataset_id: int) -> Dataset:
        return _dataset(self._http.json("GET", f"/datasets/{dataset_id}"))

    def create(
        self,
        title: str,
        *,
        description: str = "",
        synced_folder: int | None = None,
        mirrored: bool = False,
        mirror_parent: int | None = None,
    ) -> Dataset:
        """A plain dataset, one synced to ``synced_folder``, or a ``mirrored`` one with its own backing folder."""
        body = {
            "title": title,
            "description": description,
            "synced_folder_id": synced_folder,
            "mirrored": mirrored,
            "mirror_parent_id": mirror_parent,
        }
        return _dataset(self._http.json("POST", "/datasets", json=body))

    def update(self, dataset_id: int, *, title: str | None = None, description: str | None = None) -> Dataset:
        body = {k: v for k, v in {"title": title, "description": description}.items() if v is not None}
        return _dataset(self._http.json("PATCH", f"/datasets/{dataset_id}", json=body))

    def delete(self, dataset_id: int) -> None:
        self._http.request("DELETE", f"/datasets/{dataset_id}")

    def sync(self, dataset_id: int, *, folder: int | None) -> Dataset:
        return _dataset(self._http.json("POST", f"/datasets/{dataset_id}/sync", json={"folder_id": folder}))

    def items(self, dataset_id: int, **filters: Any) -> Iterator[Item]:
        """The dataset's files you may see (every page, lazily)."""
        return self._http.pages(
            f"/datasets/{dataset_id}/items", item_filters(**filters), "items", lambda d: parse(Item, d)
        )

    def add_items(self, dataset_id: int, item_ids: Sequence[int]) -> int:
        return int(self._http.json("POST", f"/datasets/{dataset_id}/items", json={"item_ids": list(item_ids)})["count"])

    def remove_items(self, dataset_id: int, item_ids: Sequence[int]) -> int:
        body = {"item_ids": list(item_ids)}
        return int(self._http.json("POST", f"/datasets/{dataset_id}/items/remove", json=body)["count"])
