"""``cairn search`` on both dialects."""

from __future__ import annotations

from cairn.services.registry import Registry
from tests.cli.conftest import Cli
from tests.services.helpers import add_images


def test_search_combines_text_folder_dataset_and_metadata(cli: Cli, registry: Registry, admin) -> None:
    cars = registry.folders.create(actor=admin, name="Cars")
    boats = registry.folders.create(actor=admin, name="Boats")
    red_car, blue_car = add_images(registry, admin, cars.id, "red-car.jpg", "blue-car.jpg")
    (red_boat,) = add_images(registry, admin, boats.id, "red-boat.jpg")
    registry.items.update(actor=admin, item_id=red_car.id, client_metadata={"split": "train"})
    dataset = registry.datasets.create(actor=admin, title="Set")
    registry.datasets.add_items(actor=admin, dataset_id=dataset.id, item_ids=[blue_car.id])

    def titles(*args: str) -> list[str]:
        return [item["title"] for item in cli.json("search", *args)["items"]]

    assert titles("red") == ["red-boat.jpg", "red-car.jpg"]
    assert titles("red", "--folder", "Cars") == ["red-car.jpg"]
    assert titles("--in-dataset") == ["blue-car.jpg"]
    assert titles("car", "--not-in-dataset") == ["red-car.jpg"]
    assert titles("--meta", "split=train") == ["red-car.jpg"]
    assert titles("--meta", "split=test") == []
    assert titles("--kind", "image", "--sort", "created", "--desc", "--limit", "2") == ["red-boat.jpg", "blue-car.jpg"]
    assert titles("--kind", "video") == []

    page = cli.json("search", "--limit", "1")
    assert page["next_cursor"]
    assert len(cli.json("search", "--limit", "1", "--all")["items"]) == 3
    assert red_boat.id in [i["id"] for i in cli.json("search", "boat")["items"]]
    human = cli.ok("search", "nothing-matches-this")
    assert human.stdout == "" and "No items." in human.stderr


def test_search_shows_only_what_the_user_may_see(cli: Cli, registry: Registry, admin, make_user) -> None:
    make_user("vera")
    cars = registry.folders.create(actor=admin, name="Cars")
    secret = registry.folders.create(actor=admin, name="Secret")
    add_images(registry, admin, cars.id, "car.jpg")
    add_images(registry, admin, secret.id, "secret-car.jpg")
    cli.ok("access", "grant", "Cars", "vera@example.com", "viewer")

    seen = cli.json("search", "car", as_user="vera@example.com")["items"]
    assert [item["title"] for item in seen] == ["car.jpg"]


def test_search_is_newest_first_unless_asked(cli: Cli, registry: Registry, admin) -> None:
    folder = registry.folders.create(actor=admin, name="Shots")
    add_images(registry, admin, folder.id, "a.jpg", "c.jpg", "b.jpg")  # created in this order

    def titles(*args: str) -> list[str]:
        return [item["title"] for item in cli.json("search", "jpg", *args)["items"]]

    assert titles() == ["b.jpg", "c.jpg", "a.jpg"]
    assert titles("--asc") == ["a.jpg", "c.jpg", "b.jpg"]
    assert titles("--sort", "name") == ["a.jpg", "b.jpg", "c.jpg"]
    assert titles("--sort", "name", "--desc") == ["c.jpg", "b.jpg", "a.jpg"]
