"""Media inspectors (image, video, DICOM, audio, text, PDF) and processors.

Every inspector takes any seekable binary file object (a local file, a storage range reader) and an optional
known size, reads as little as the format allows, and returns a report from :mod:`cairn.domain.media` that says
how much it read. Bad media raises :class:`cairn.errors.MediaError` with the reason, never another exception.
"""

from cairn.media.audio import inspect_audio
from cairn.media.dicom import inspect_dicom
from cairn.media.dispatch import detect_kind, inspect_file
from cairn.media.image import inspect_image
from cairn.media.pdf import inspect_pdf
from cairn.media.reading import CountingReader, open_counting
from cairn.media.text import inspect_text
from cairn.media.video import inspect_video

__all__ = [
    "CountingReader",
    "detect_kind",
    "inspect_audio",
    "inspect_dicom",
    "inspect_file",
    "inspect_image",
    "inspect_pdf",
    "inspect_text",
    "inspect_video",
    "open_counting",
]
