"""What a manifest needs to know about a URL on its own: its file name, its extension, whether it is usable.

Provider-specific parsing lives in ``cairn.domain.urls``; ``default_title`` here is a private stand-in for
``urls.default_title`` until the two are unified.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from cairn.domain.kinds import ItemKind

_WHITESPACE = re.compile(r"\s")

_EXTENSION_KINDS: dict[str, ItemKind] = {
    **dict.fromkeys(
        ("mp4", "m4v", "mov", "webm", "mkv", "avi", "mpeg", "mpg", "wmv", "flv", "3gp", "ogv"), ItemKind.VIDEO
    ),
    **dict.fromkeys(
        ("jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "webp", "heic", "heif", "avif"), ItemKind.IMAGE
    ),
    **dict.fromkeys(("mp3", "wav", "flac", "aac", "m4a", "ogg", "oga", "opus", "wma", "aif", "aiff"), ItemKind.AUDIO),
    **dict.fromkeys(("txt", "md", "json", "jsonl", "xml", "html", "htm", "log", "yaml", "yml"), ItemKind.TEXT),
    "pdf": ItemKind.PDF,
    "nii": ItemKind.NIFTI,
    "nii.gz": ItemKind.NIFTI,
}


def _path_part(url: str) -> str:
    """The URL without its query and fragment (only http(s) URLs have them: '?' is a valid S3 key character)."""
    if url.lower().startswith(("http://", "https://")):
        url = url.split("#", 1)[0].split("?", 1)[0]
    return url


def file_name(url: str) -> str:
    """The last path segment of the URL, percent-decoded ('' when the URL ends with '/').

    Works for ``https://host/a/b.mp4``, ``s3://bucket/key/b.mp4``, ARNs (``arn:aws:s3::1:accesspoint/x/object/b.mp4``)
    and bare relative paths (``path/to/b.mp4``).
    """
    return unquote(_path_part(url).rsplit("/", 1)[-1])


def default_title(url: str) -> str:
    """The title a unit gets when the manifest gives none: its file name."""
    return file_name(url)


def kind_from_extension(url: str) -> ItemKind | None:
    """The single-file kind the URL's extension names, or None when it names none (or a DICOM file)."""
    name = file_name(url).lower()
    if name.endswith(".nii.gz"):
        return ItemKind.NIFTI
    if "." not in name:
        return None
    return _EXTENSION_KINDS.get(name.rsplit(".", 1)[-1])


def url_problem(url: str, *, max_bytes: int) -> str | None:
    """Why this URL cannot be registered, or None when it can (as far as the manifest alone can tell)."""
    if not url:
        return "the URL is empty"
    if _WHITESPACE.search(url):
        return f"the URL {_shorten(url)!r} contains whitespace (URLs must not; percent-encode spaces as %20)"
    size = len(url) if url.isascii() else len(url.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        return f"the URL is {size:,} bytes long; the limit is {max_bytes:,} bytes"
    if not file_name(url):
        return f"the URL {_shorten(url)!r} ends with '/': it names a folder, not a file"
    return None


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
