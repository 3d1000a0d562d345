"""Shared set-up for the library tests: files that are what they claim (or not), resources made
through the services, and clients per role on the public domain."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from network.resources.models import Resource
from network.resources.services import resource_propose, resource_publish

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def pdf(name="guide.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def office(name="modele.docx", main="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", f'<?xml version="1.0"?><Types><Override PartName="/word/document.xml" '
                                                f'ContentType="{main}"/></Types>')
        archive.writestr("word/document.xml", "<document/>")
    return SimpleUploadedFile(name, buffer.getvalue())


def odf(name="support.odt", mimetype="application/vnd.oasis.opendocument.text"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", mimetype)
        archive.writestr("content.xml", "<office:document-content/>")
    return SimpleUploadedFile(name, buffer.getvalue())


def make_resource(world, *, title="Guide de l'accompagnement", summary="Un guide pour les équipes.", body="",
                  kind="guide", theme="support", sector="all", audience="staff", language="fr",
                  visibility="public", author=None, named=(), upload=None, url="", publish=True,
                  payload=None, install_at_launch=False, working_group=None, proposer=None) -> Resource:
    """Proposed by `proposer` (default: network staff, or the director of `author`), then
    published by network staff unless publish=False."""
    staff = world.user("network_staff")
    if proposer is None:
        proposer = staff if author is None else world.user(f"director_{'a' if author == world.cae_a else 'b'}")
    if upload is None and not url:
        upload = pdf()
    resource = resource_propose(author_cooperative=author, title=title, kind=kind, theme=theme, sector=sector,
                                audience=audience, language=language, summary=summary, body=body,
                                visibility=visibility, named_cooperatives=[c.pk for c in named], upload=upload,
                                url=url, payload=payload, install_at_launch=install_at_launch,
                                working_group=working_group, acting_user=proposer)
    if publish:
        resource = resource_publish(resource=resource, acting_user=staff)
    return resource


def make_founder(world, *, status: str = "open", email: str | None = None):
    """A founder of a setup project (network/onboarding) with no CAE membership; the project is
    open unless `status` says otherwise (« abandoned », « launched »)."""
    from network.onboarding.models import ProjectMember, SetupProject
    from network.onboarding.services import setup_project_create
    from tests.factories import UserFactory

    project = setup_project_create(name=f"CAE en projet ({status})", region="44", departments="08",
                                   mentor=world.cae_a, acting_user=world.user("network_staff"))
    if status != "open":
        SetupProject.objects.filter(pk=project.pk).update(status=status)
    founder = UserFactory(email=email or f"fondatrice.{status}.{project.pk}@exemple.fr")
    ProjectMember.objects.create(project=project, user=founder, role=ProjectMember.Role.FOUNDER)
    return founder
