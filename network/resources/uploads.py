"""Uploaded library files: the type is read from the content (never from the name or the
browser's word), the size is bounded, and the name must agree with the content."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

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


def too_large(size: int) -> AppError:
    limit = settings.RESOURCE_MAX_UPLOAD_BYTES
    return AppError("upload_too_large", f"Le fichier dépasse la taille maximale de {_megabytes(limit)} "
                    f"({_megabytes(size)}).", field="file")


# Besides the file, a form's other fields are at most DATA_UPLOAD_MAX_MEMORY_SIZE (Django refuses
# more), plus the multipart boundaries and part headers.
MULTIPART_OVERHEAD = 64 * 1024


class SizeLimitHandler(FileUploadHandler):
    """First of the request's upload handlers: passes a file's bytes on to the others (memory or
    temporary file) only up to the limit. Past it, the upload stops (the rest of the body is read
    and dropped, never stored) and `request.upload_too_large` holds the size reached."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.body_length = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.body_length = content_length or 0
        return None  # the parser goes on

    def receive_data_chunk(self, raw_data, start):
        reached = start + len(raw_data)
        if reached > self.limit:
            # The size shown: the whole body (the file's own size is not known before its end).
            self.request.upload_too_large = max(reached, self.body_length)
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler builds the file


def upload_guard(request) -> AppError | None:
    """First thing of an upload view, before it reads request.POST or request.FILES (and before
    the CSRF check, which reads request.POST: the view is csrf_exempt and checks CSRF itself
    afterwards). A body too long to hold an acceptable file is refused from its Content-Length,
    without being read; otherwise `SizeLimitHandler` stops a file at the limit while it arrives.
    Returns the error to show, or None.

    Both spare the reading only because no middleware parses the body before the view: the
    upload views are marked `essaim.core.middleware.reads_own_body`, so RejectNulMiddleware
    leaves their body alone (their text fields go through Django forms, which refuse NUL)."""
    limit = settings.RESOURCE_MAX_UPLOAD_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    fields = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440
    if length > limit + fields + MULTIPART_OVERHEAD:
        return too_large(length)
    try:
        request.upload_handlers.insert(0, SizeLimitHandler(request, limit))
    except AttributeError:  # Django's refusal: a middleware already parsed the body
        pass
    return None


def upload_stopped(request) -> AppError | None:
    """After the body was read: the error if SizeLimitHandler stopped a file."""
    size = getattr(request, "upload_too_large", None)
    return too_large(size) if size else None


def upload_check(upload) -> CheckedFile:
    """Refuse empty, too large, unknown or misnamed files with a French message (field `file`)."""
    limit = settings.RESOURCE_MAX_UPLOAD_BYTES
    size = upload.size or 0
    if size == 0:
        raise AppError("upload_empty", "Le fichier est vide.", field="file")
    if size > limit:
        raise too_large(size)
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
