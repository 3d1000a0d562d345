"""Serving a version's file (or link) to a viewer allowed to see it, counting the download for
their CAE. Shared by the library pages and the public API."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponseRedirect

from .access import Viewer, download_cooperative_id
from .models import Resource, ResourceVersion
from .services import download_record


def version_serve(*, viewer: Viewer, resource: Resource, version: ResourceVersion | None):
    """`resource` was fetched through access.resource_get_for. An unpublished version is served only
    to network staff and the author CAE's directors (reviewing it), and is not counted."""
    if version is None or version.resource_id != resource.pk:
        raise Http404
    if version.published_at is None and not (viewer.is_network_staff
                                              or resource.author_cooperative_id in viewer.director_of):
        raise Http404
    if version.url:
        response = HttpResponseRedirect(version.url)
    else:
        try:
            handle = version.file.open("rb")
        except (FileNotFoundError, ValueError) as exc:
            raise Http404 from exc
        response = FileResponse(handle, content_type=version.content_type or "application/octet-stream",
                                as_attachment=True,
                                filename=version.original_name or version.file.name.rsplit("/", 1)[-1])
        response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if resource.state == Resource.State.PUBLISHED and version.published_at is not None:
        download_record(resource=resource, cooperative_id=download_cooperative_id(viewer, resource))
    return response
