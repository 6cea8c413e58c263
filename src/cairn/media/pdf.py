"""PDF inspection with pypdf: the page count, from the cross-reference table and the page tree."""

from __future__ import annotations

import pypdf
import pypdf.errors

from cairn.domain.media import PdfReport
from cairn.errors import MediaError
from cairn.media.reading import FOREIGN_ERRORS, SeekableBinary, as_counting, media_error

__all__ = ["inspect_pdf"]

_PDF_ERRORS: tuple[type[BaseException], ...] = (*FOREIGN_ERRORS, pypdf.errors.PyPdfError, pypdf.errors.PdfReadWarning)


def inspect_pdf(f: SeekableBinary, *, size: int | None = None) -> PdfReport:
    """Count a PDF's pages; a corrupt or encrypted PDF raises MediaError with the reason."""
    reader = as_counting(f, size=size)
    try:
        reader.seek(0)
        document = pypdf.PdfReader(reader.binary, strict=False)
        if document.is_encrypted:
            raise MediaError("the PDF is encrypted: its pages cannot be counted without the password")
        pages = len(document.pages)
    except MediaError:
        raise
    except _PDF_ERRORS as exc:
        raise media_error("cannot read the PDF (corrupt or truncated)", exc) from exc
    return PdfReport(page_count=pages, size=reader.size, read=reader.stats())
