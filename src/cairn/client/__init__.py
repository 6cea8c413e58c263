"""The Python SDK of cairn, over the REST API (httpx). It imports nothing of the server side.

::

    from cairn.client import Client
    from cairn.errors import NotFound

    with Client("http://127.0.0.1:8420", token="cairn_...") as client:
        folder = client.folders.create("Cars")
        job = client.register(folder=folder.id, integration="my-bucket", manifest="manifest.json")
        for item in client.folders.items(folder.id, kinds=["image"]):
            print(item.title, item.media.width, item.media.height)

HTTP errors raise the same exception classes the services raise (:mod:`cairn.errors`).
"""

from cairn.client.client import Client
from cairn.client.models import (
    AccessCheck,
    Dataset,
    Event,
    Folder,
    FolderNode,
    FolderSummary,
    Grant,
    Integration,
    Item,
    Job,
    JournalEntry,
    LoginSession,
    Media,
    Notification,
    Notifications,
    PasswordLink,
    RegistrationPlan,
    Token,
    UnitError,
    User,
    ViewUrl,
)

__all__ = [
    "AccessCheck",
    "Client",
    "Dataset",
    "Event",
    "Folder",
    "FolderNode",
    "FolderSummary",
    "Grant",
    "Integration",
    "Item",
    "Job",
    "JournalEntry",
    "LoginSession",
    "Media",
    "Notification",
    "Notifications",
    "PasswordLink",
    "RegistrationPlan",
    "Token",
    "UnitError",
    "User",
    "ViewUrl",
]
