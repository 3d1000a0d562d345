"""Bad uploads are refused with a clear French message, and nothing is written: no row, no file."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from essaim.core.errors import AppError
from network.resources.models import Resource, ResourceVersion
from network.resources.services import resource_propose, resource_version_add
from network.resources.uploads import upload_check
from tests.conftest import client_for

from .helpers import PNG, make_resource, odf, office, pdf

pytestmark = pytest.mark.django_db


def _files(media):
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


@pytest.mark.parametrize("upload, code, message", [
    (SimpleUploadedFile("guide.pdf", b"MZ\x90\x00 this is an executable"), "upload_bad_type", "Type de fichier refusé"),
    (SimpleUploadedFile("guide.pdf", b"<html><script>alert(1)</script></html>"), "upload_bad_type",
     "contenu du fichier a été vérifié"),
    (SimpleUploadedFile("vide.pdf", b""), "upload_empty", "Le fichier est vide."),
    (SimpleUploadedFile("image.pdf", PNG), "upload_name_mismatch", "ne correspond pas à son extension"),
    (office("macro.docx", main="application/vnd.ms-word.document.macroEnabled.main+xml"), "upload_bad_type",
     "Type de fichier refusé"),
    (SimpleUploadedFile("archive.docx", b"PK\x03\x04not really a zip"), "upload_bad_type", "Type de fichier refusé"),
])
def test_bad_files_are_refused_and_nothing_is_written(world, _media, upload, code, message):
    with pytest.raises(AppError) as caught:
        make_resource(world, title="Fichier douteux", upload=upload)
    assert caught.value.code == code and caught.value.field == "file"
    assert message in caught.value.message
    assert not Resource.objects.filter(title="Fichier douteux").exists()
    assert _files(_media) == []


def test_too_large_is_refused_with_the_limit_in_the_message(world, settings, _media):
    settings.RESOURCE_MAX_UPLOAD_BYTES = 1024
    with pytest.raises(AppError) as caught:
        make_resource(world, title="Trop gros", upload=pdf("gros.pdf", b"%PDF-1.4\n" + b"0" * 2000))
    assert caught.value.code == "upload_too_large"
    assert "dépasse la taille maximale de 0.0009765625 Mo" in caught.value.message or "Mo" in caught.value.message
    assert not Resource.objects.filter(title="Trop gros").exists() and _files(_media) == []


def test_the_page_shows_the_message_and_keeps_nothing(world, _media):
    client = client_for(None, world.user("director_a"))
    response = client.post("/ressources/proposer/", {
        "author": str(world.cae_a.pk), "title": "Faux PDF", "kind": "guide", "theme": "support", "sector": "all",
        "audience": "staff", "language": "fr", "summary": "…", "visibility": "public",
        "file": SimpleUploadedFile("faux.pdf", b"GIF89a not a pdf")})
    assert response.status_code == 400
    assert "Type de fichier refusé : PDF, documents bureautiques" in response.content.decode()
    assert not Resource.objects.filter(title="Faux PDF").exists() and _files(_media) == []


def test_a_bad_new_version_changes_nothing(world, _media):
    resource = make_resource(world, title="Guide")
    before = _files(_media)
    with pytest.raises(AppError):
        resource_version_add(resource=resource, upload=SimpleUploadedFile("v2.pdf", b"nope"),
                             acting_user=world.user("network_staff"))
    assert resource.versions.count() == 1 and _files(_media) == before


def test_a_failure_after_the_file_was_stored_removes_it(world, _media):
    """A named CAE that does not exist is found after the checks of the file: still nothing left."""
    with pytest.raises(AppError):
        resource_propose(author_cooperative=None, title="Échec tardif", kind="guide", theme="support",
                         audience="staff", summary="…", visibility="named", named_cooperatives=[999_999],
                         upload=pdf(), acting_user=world.user("network_staff"))
    with pytest.raises(AppError):  # a link that is not a URL: refused after the resource row was built
        resource_propose(author_cooperative=None, title="Échec tardif", kind="video", theme="support",
                         audience="staff", summary="…", url="pas une adresse", acting_user=world.user("network_staff"))
    assert not Resource.objects.filter(title="Échec tardif").exists()
    assert not ResourceVersion.objects.filter(resource__title="Échec tardif").exists()
    assert _files(_media) == []


@pytest.mark.parametrize("upload, content_type", [
    (pdf(), "application/pdf"),
    (SimpleUploadedFile("schema.png", PNG), "image/png"),
    (SimpleUploadedFile("photo.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 20), "image/jpeg"),
    (office(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (office("budget.xlsx", main="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (office("diapos.pptx",
            main="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
     "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    (odf(), "application/vnd.oasis.opendocument.text"),
    (odf("tableau.ods", "application/vnd.oasis.opendocument.spreadsheet"), "application/vnd.oasis.opendocument.spreadsheet"),
    (odf("diapos.odp", "application/vnd.oasis.opendocument.presentation"),
     "application/vnd.oasis.opendocument.presentation"),
])
def test_accepted_types_are_recognised_by_content(upload, content_type):
    assert upload_check(upload).content_type == content_type


def test_files_are_stored_outside_the_web_root_with_random_names(world, _media):
    resource = make_resource(world, title="Rangement", upload=pdf("Mon guide (final).pdf"))
    version = resource.versions.get()
    assert version.file.name.startswith("resources/") and "guide" not in version.file.name
    assert version.original_name == "Mon guide (final).pdf"
    assert (_media / version.file.name).exists()
    assert client_for(None).get(f"/media/{version.file.name}").status_code == 404


class RecordingHandler(FileUploadHandler):
    """Placed before Django's own upload handlers (memory, temporary file): records how many bytes
    of each file reached them, i.e. could have been kept in memory or written to a temporary file."""

    received: list[int] = []

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        RecordingHandler.received.append(0)

    def receive_data_chunk(self, raw_data, start):
        RecordingHandler.received[-1] += len(raw_data)
        return raw_data

    def file_complete(self, file_size):
        return None


@pytest.fixture
def recorded(settings):
    settings.FILE_UPLOAD_HANDLERS = [f"{__name__}.RecordingHandler", *settings.FILE_UPLOAD_HANDLERS]
    settings.RESOURCE_MAX_UPLOAD_BYTES = 100 * 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    RecordingHandler.received = []
    return RecordingHandler.received


PROPOSAL = {"title": "Trop lourd", "kind": "guide", "theme": "support", "sector": "all", "audience": "staff",
            "language": "fr", "summary": "…", "visibility": "public"}


def test_an_oversized_upload_is_refused_with_the_french_message_and_nothing_kept(world, _media, recorded):
    client = client_for(None, world.user("director_a"))
    big = b"%PDF-1.4\n" + b"0" * (400 * 1024)
    response = client.post("/ressources/proposer/", PROPOSAL | {"author": str(world.cae_a.pk),
                                                                "file": pdf("lourd.pdf", big)})
    assert response.status_code == 413
    assert "Le fichier dépasse la taille maximale de 0.0976562 Mo" in response.content.decode()
    assert not Resource.objects.filter(title="Trop lourd").exists() and _files(_media) == []
    # a new version too, the message shown on the resource's page
    resource = make_resource(world, title="Guide à mettre à jour", author=world.cae_a)
    response = client.post(f"/ressources/{resource.pk}/versions/", {"file": pdf("v2.pdf", big)}, follow=True)
    assert "Le fichier dépasse la taille maximale" in response.content.decode()
    assert resource.versions.count() == 1


@pytest.fixture
def body_unread_before_views():
    """The whole stack: the upload views are marked `reads_own_body`, so RejectNulMiddleware
    leaves their body alone and they see a body nobody has read."""


def test_the_view_refuses_from_the_length_before_reading_the_body(world, _media, recorded, body_unread_before_views):
    """Content-Length beyond the limit (plus what the other fields may take): refused without
    reading the body — no upload handler ever sees a byte of the file."""
    client = client_for(None, world.user("director_a"))
    big = b"%PDF-1.4\n" + b"0" * (400 * 1024)
    response = client.post("/ressources/proposer/", PROPOSAL | {"author": str(world.cae_a.pk),
                                                                "file": pdf("lourd.pdf", big)})
    assert response.status_code == 413
    assert "Le fichier dépasse la taille maximale de 0.0976562 Mo" in response.content.decode()
    assert recorded == []
    resource = make_resource(world, title="Guide à mettre à jour", author=world.cae_a)
    response = client.post(f"/ressources/{resource.pk}/versions/", {"file": pdf("v2.pdf", big)}, follow=True)
    assert "Le fichier dépasse la taille maximale" in response.content.decode()
    assert recorded == [] and resource.versions.count() == 1


def test_a_file_just_over_the_limit_is_cut_off_while_received(world, _media, recorded, body_unread_before_views):
    """A body short enough to pass the length check, with a file just over the limit: the file is
    cut off at the limit as it arrives — never more than the limit is kept — and refused."""
    client = client_for(None, world.user("director_a"))
    over = pdf("un-peu-lourd.pdf", b"%PDF-1.4\n" + b"0" * (150 * 1024))
    response = client.post("/ressources/proposer/", PROPOSAL | {"author": str(world.cae_a.pk), "file": over})
    assert response.status_code == 413
    assert "Le fichier dépasse la taille maximale de 0.0976562 Mo" in response.content.decode()
    assert len(recorded) == 1 and recorded[0] <= 100 * 1024
    assert not Resource.objects.filter(title="Trop lourd").exists() and _files(_media) == []
    # under the limit, the same form goes through
    ok = client.post("/ressources/proposer/", PROPOSAL | {"author": str(world.cae_a.pk), "title": "Assez léger",
                                                         "file": pdf("leger.pdf", b"%PDF-1.4\n" + b"0" * 90_000)})
    assert ok.status_code == 302 and Resource.objects.filter(title="Assez léger").exists()


def test_upload_views_still_check_csrf(world, _media):
    from django.test import Client

    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    client.force_login(world.user("director_a"))
    response = client.post("/ressources/proposer/", PROPOSAL | {"author": str(world.cae_a.pk), "file": pdf()})
    assert response.status_code == 403
    resource = make_resource(world, title="Guide", author=world.cae_a)
    assert client.post(f"/ressources/{resource.pk}/versions/", {"file": pdf()}).status_code == 403
    assert not Resource.objects.filter(title="Trop lourd").exists() and resource.versions.count() == 1
