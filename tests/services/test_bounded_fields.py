"""Every text a user gives that lands in a bounded (VARCHAR(n)) column is refused above its bound before the
database: the same located ``InvalidInput`` on SQLite (which would store it) and PostgreSQL (which would fail)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from cairn.domain.records import User
from cairn.errors import InvalidInput, NotFound
from cairn.services.registry import Registry
from cairn.services.uploads import UploadedFile
from cairn.settings import Settings
from tests.fixtures.media_corpus import MediaCorpus


def _refused(call: Callable[[], object], *, limit: int) -> InvalidInput:
    """The call is refused as InvalidInput whose message gives the limit."""
    with pytest.raises(InvalidInput, match=f"at most {limit}|1 to {limit}") as caught:
        call()
    return caught.value


def test_a_user_name_over_200_characters_is_refused_on_create_and_update(
    registry: Registry, admin: User, make_user
) -> None:
    err = _refused(lambda: registry.users.create(actor=admin, email="long@example.com", name="n" * 201), limit=200)
    assert err.details == {"field": "name", "limit": 200, "length": 201}
    with pytest.raises(NotFound):  # nothing was half-written: no such user
        registry.users.by_email(email="long@example.com")
    vera = make_user("vera")
    err = _refused(lambda: registry.users.update(actor=admin, user_id=vera.id, name="n" * 201), limit=200)
    assert err.details == {"field": "name", "limit": 200, "length": 201}
    assert registry.users.by_email(email="vera@example.com").name == "Vera"  # unchanged
    assert registry.users.update(actor=admin, user_id=vera.id, name="n" * 200).name == "n" * 200


def test_a_user_name_with_control_characters_is_refused(registry: Registry, admin: User, make_user) -> None:
    """PostgreSQL refuses a NUL in text; SQLite would keep it: both refuse it here, naming the field."""
    vera = make_user("vera")
    with pytest.raises(InvalidInput, match="control characters") as caught:
        registry.users.update(actor=admin, user_id=vera.id, name="Ve\x00ra")
    assert caught.value.details["field"] == "name"


def test_an_email_over_320_characters_is_refused(registry: Registry, admin: User) -> None:
    email = "a" * 310 + "@example.com"
    with pytest.raises(InvalidInput, match="email"):
        registry.users.create(actor=admin, email=email)


def test_a_token_name_over_200_characters_is_refused(registry: Registry, admin: User) -> None:
    _refused(lambda: registry.auth.create_token(actor=admin, name="t" * 201), limit=200)


def test_an_integration_name_over_200_characters_is_refused(registry: Registry, admin: User, tmp_path: Path) -> None:
    _refused(
        lambda: registry.integrations.add(actor=admin, name="i" * 201, provider="local", root=str(tmp_path)),
        limit=200,
    )
    registry.integrations.add(actor=admin, name="disk", provider="local", root=str(tmp_path))
    _refused(lambda: registry.integrations.update(actor=admin, integration="disk", name="i" * 201), limit=200)


def test_folder_names_and_dataset_titles_over_300_characters_are_refused(registry: Registry, admin: User) -> None:
    _refused(lambda: registry.folders.create(actor=admin, name="f" * 301), limit=300)
    _refused(lambda: registry.datasets.create(actor=admin, title="d" * 301), limit=300)


def test_a_long_user_agent_is_kept_cut_to_its_column(registry: Registry, admin: User) -> None:
    """The User-Agent is not the user's choice of words: it is cut (documented), never a database error."""
    secret = registry.auth.create_token(actor=admin, name="browser").secret
    registry.auth.start_session(token=secret, user_agent="Mozilla/5.0 " + "x" * 1000)
    kept = registry.auth.sessions(actor=admin)[0].session.user_agent
    assert kept is not None and len(kept) == 300 and kept.startswith("Mozilla/5.0 ")


def test_a_local_root_that_is_not_a_directory_is_refused(registry: Registry, admin: User, tmp_path: Path) -> None:
    missing = tmp_path / "gone"
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    for root in (str(missing), str(a_file), f"{tmp_path}/nul\x00byte"):
        with pytest.raises(InvalidInput, match="does not exist or is not a directory") as caught:
            registry.integrations.add(actor=admin, name="disk", provider="local", root=root)
        assert caught.value.details == {"field": "root"}
        assert str(tmp_path) not in caught.value.message.replace(repr(root), "")  # nothing beyond what was given
    assert registry.integrations.list(actor=admin) == []  # nothing half-written


def test_an_upload_whose_file_name_is_too_long_for_a_title_is_refused(
    registry: Registry, admin: User, settings: Settings
) -> None:
    """The title of an uploaded file is its name: over 300 characters it is refused, located, and nothing stays."""
    folder = registry.folders.create(actor=admin, name="Uploads")
    long_name = "n" * 297 + ".txt"
    with pytest.raises(InvalidInput, match=r"files/0.*at most 300") as caught:
        registry.uploads.upload(
            actor=admin, folder_id=folder.id, files=[UploadedFile(long_name, io.BytesIO(b"hello\n"), "text/plain")]
        )
    assert caught.value.details["limit"] == 300
    managed = settings.managed_storage_dir
    assert not managed.exists() or not any(p.is_file() for p in managed.rglob("*"))


def test_an_uploaded_text_file_with_a_long_content_type_is_stored(registry: Registry, admin: User) -> None:
    """A text file's MIME type may come from the client's Content-Type: one longer than the column never fails."""
    folder = registry.folders.create(actor=admin, name="Uploads")
    content_type = "text/" + "x" * 300
    made = registry.uploads.upload(
        actor=admin, folder_id=folder.id, files=[UploadedFile("notes", io.BytesIO(b"hello\n"), content_type)]
    )
    assert made[0].media.mime_type is not None and len(made[0].media.mime_type) <= 255


def test_a_dicom_file_whose_uids_are_too_long_is_refused_not_a_database_error(
    registry: Registry, admin: User, media_corpus: MediaCorpus
) -> None:
    """DICOM UIDs are at most 64 characters (PS3.5 §9.1); the columns hold 64. A file with a longer one fails its
    inspection, naming the tag, on both dialects (it used to be stored on SQLite and a database error on PostgreSQL)."""
    import pydicom  # a media library, loaded by the test that needs it

    ds = pydicom.dcmread(media_corpus.root / "ct_small.dcm")
    with warnings.catch_warnings():  # pydicom warns when writing a UID over 64 characters: the point here
        warnings.simplefilter("ignore")
        ds.StudyInstanceUID = "1.2." + "3" * 96
    buffer = io.BytesIO()
    ds.save_as(buffer)
    folder = registry.folders.create(actor=admin, name="Uploads")
    with warnings.catch_warnings():  # as in production, where pydicom's warnings are not errors
        warnings.simplefilter("ignore")
        made = registry.uploads.upload(
            actor=admin, folder_id=folder.id, files=[UploadedFile("long.dcm", io.BytesIO(buffer.getvalue()))]
        )
    assert made[0].status.value == "failed" and made[0].media.dicom_study_uid is None
    assert made[0].status_reason is not None and "StudyInstanceUID" in made[0].status_reason
    assert "is 100 characters; the standard allows at most 64" in made[0].status_reason
