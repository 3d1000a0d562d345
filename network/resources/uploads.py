"""Uploaded library files: the type is read from the content (never from the name or the
browser's word), the size is bounded, and the name must agree with the content."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

from django.conf import settings

from essaim.core.errors import AppError

ODF = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
OOXML = {  # the main part's content type in [Content_Types].xml (macro-enabled variants refused)
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
CONTENT_TYPES = {
    "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    **{ext: mime for mime, ext in ODF.items()},
}
EXTENSIONS = {"jpeg": "jpg"}  # names accepted for a type
ALLOWED = "PDF, documents bureautiques (DOCX, XLSX, PPTX, ODT, ODS, ODP), PNG ou JPEG"


@dataclass(frozen=True)
class CheckedFile:
    extension: str
    content_type: str
    size: int


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):g} Mo"


def _sniff_zip(upload) -> str | None:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as f:
                    return ODF.get(f.read(100).decode("ascii", "replace").strip())
            if "[Content_Types].xml" in names:
                with archive.open("[Content_Types].xml") as f:
                    types = f.read(1024 * 1024).decode("utf-8", "replace")
                for mime, ext in OOXML.items():
                    if f'ContentType="{mime}"' in types:
                        return ext
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
        return None
    return None


def sniff(upload) -> str | None:
    """The extension the content is, or None."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"PK\x03\x04"):
        kind = _sniff_zip(upload)
        upload.seek(0)
        return kind
    return None


def upload_check(upload) -> CheckedFile:
    """Refuse empty, too large, unknown or misnamed files with a French message (field `file`)."""
    limit = settings.RESOURCE_MAX_UPLOAD_BYTES
    size = upload.size or 0
    if size == 0:
        raise AppError("upload_empty", "Le fichier est vide.", field="file")
    if size > limit:
        raise AppError("upload_too_large", f"Le fichier dépasse la taille maximale de {_megabytes(limit)} "
                       f"({_megabytes(size)}).", field="file")
    kind = sniff(upload)
    if kind is None:
        raise AppError("upload_bad_type", f"Type de fichier refusé : {ALLOWED} uniquement (le contenu du fichier "
                       "a été vérifié, pas seulement son nom).", field="file")
    name = (upload.name or "").rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if EXTENSIONS.get(extension, extension) != kind:
        raise AppError("upload_name_mismatch", f"Le contenu du fichier ({kind.upper()}) ne correspond pas à son "
                       f"extension (.{extension or '?'}) : renommez-le ou envoyez le bon fichier.", field="file")
    return CheckedFile(extension=kind, content_type=CONTENT_TYPES[kind], size=size)
