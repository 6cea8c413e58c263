"""Every exception obstore can raise is mapped to cairn's tree, with the location in the message."""

from __future__ import annotations

import inspect

import pytest
from obstore import exceptions as obstore_errors

from cairn.errors import CairnError, ConfigurationError, ObjectNotFound, StorageAccessDenied, StorageError
from cairn.storage.errors import ERROR_MAP, map_storage_error, translated_errors

OBSTORE_ERRORS = sorted(
    (cls for _, cls in inspect.getmembers(obstore_errors, inspect.isclass) if issubclass(cls, BaseException)),
    key=lambda cls: cls.__name__,
)
EXPECTED = {
    "NotFoundError": ObjectNotFound,
    "PermissionDeniedError": StorageAccessDenied,
    "UnauthenticatedError": StorageAccessDenied,
    "UnknownConfigurationKeyError": ConfigurationError,
}


def test_obstore_still_has_the_exception_classes_we_know() -> None:
    names = {cls.__name__ for cls in OBSTORE_ERRORS}
    assert len(names) >= 12
    mapped = {foreign.__name__ for foreign, _, _ in ERROR_MAP}
    assert names <= mapped, f"obstore exception classes not listed in ERROR_MAP: {sorted(names - mapped)}"


@pytest.mark.parametrize("error_class", OBSTORE_ERRORS, ids=lambda cls: cls.__name__)
def test_every_obstore_exception_is_mapped(error_class: type[BaseException]) -> None:
    mapped = map_storage_error(error_class("boom\nDebug source: ..."), operation="HEAD", location="s3://b/k.mp4")
    assert isinstance(mapped, CairnError)
    assert isinstance(mapped, EXPECTED.get(error_class.__name__, StorageError))
    assert "HEAD s3://b/k.mp4 failed" in mapped.message
    assert "Debug source" not in mapped.message
    assert mapped.details["location"] == "s3://b/k.mp4"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (FileNotFoundError("Object at location k not found"), ObjectNotFound),
        (PermissionError("denied"), StorageAccessDenied),
        (TimeoutError("slow"), StorageError),
        (ConnectionRefusedError("refused"), StorageError),
        (ValueError("Could not parse path"), StorageError),
        (RuntimeError("odd"), StorageError),
    ],
)
def test_builtin_errors_obstore_raises_are_mapped(error: Exception, expected: type[CairnError]) -> None:
    assert type(map_storage_error(error, operation="GET", location="s3://b/k")) is expected


def test_missing_bucket_is_named_as_such() -> None:
    error = obstore_errors.GenericError("Generic S3 error: <Code>NoSuchBucket</Code>")
    assert "bucket or container does not exist" in map_storage_error(error, operation="LIST", location="s3://b").message


def test_translated_errors_chains_the_original_and_passes_ours_through() -> None:
    original = FileNotFoundError("gone")
    with pytest.raises(ObjectNotFound) as caught, translated_errors(operation="GET", location="gs://b/k"):
        raise original
    assert caught.value.__cause__ is original
    ours = StorageError("already ours")
    with pytest.raises(StorageError) as again, translated_errors(operation="GET", location="gs://b/k"):
        raise ours
    assert again.value is ours


def test_generic_errors_with_403_are_access_denied() -> None:
    error = obstore_errors.GenericError("Generic MicrosoftAzure error: list: 403 Forbidden: <?xml ...")
    assert isinstance(map_storage_error(error, operation="LIST", location="az://c"), StorageAccessDenied)


def test_a_refused_key_of_a_bulk_delete_is_access_denied() -> None:
    """S3's DeleteObjects answers 200 and refuses keys one by one: obstore reports it as a GenericError."""
    error = obstore_errors.GenericError(
        "Generic S3 error: DeleteObjects request failed for key k: Access Denied (code: AccessDenied)"
    )
    assert isinstance(map_storage_error(error, operation="DELETE", location="s3://b/k"), StorageAccessDenied)
