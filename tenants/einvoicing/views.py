"""The CAE's e-invoicing page: its approved platform (director), the flows exchanged with it and
the calls made (director and accounts), the monthly archive of what was exchanged."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from essaim.core.errors import AppError
from essaim.ui.access import member_required

from . import codes
from .models import Flow, PlatformConnection
from .selectors import (
    MANAGE_ROLES,
    VIEW_ROLES,
    exchanges_recent,
    flow_get_for,
    flows_filter,
    platform_offer_latest,
)
from .services import ConnectionInput, connection_current, connection_save, connection_test


class ConnectionForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Plateforme agréée"), max_length=120)
    flow_url = forms.CharField(label=gettext_lazy("Adresse du service Flow"), max_length=300,
                               help_text=gettext_lazy("par exemple https://api.plateforme.fr/flow-service"))
    directory_url = forms.CharField(label=gettext_lazy("Adresse du service Annuaire"), max_length=300)
    token_url = forms.CharField(label=gettext_lazy("Adresse du jeton OAuth2"), max_length=300)
    client_id = forms.CharField(label=gettext_lazy("Identifiant client"), max_length=200)
    client_secret = forms.CharField(label=gettext_lazy("Secret client"), max_length=500, required=False,
                                    widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
                                    help_text=gettext_lazy("Jamais réaffiché. Laissez vide pour garder le secret "
                                                           "enregistré."))
    organization_id = forms.CharField(label=gettext_lazy("Identifiant d'organisation (facultatif)"), max_length=100,
                                      required=False)
    platform_number = forms.CharField(label=gettext_lazy("Matricule de la plateforme (4 caractères)"), max_length=4,
                                      required=False, help_text=gettext_lazy("Nécessaire à l'e-reporting."))
    syntax = forms.ChoiceField(label=gettext_lazy("Format d'émission des factures"),
                               choices=PlatformConnection._meta.get_field("syntax").choices)
    preset = forms.CharField(widget=forms.HiddenInput, required=False, max_length=60)


def _querystring(filters: dict) -> str:
    kept = urlencode({k: v for k, v in filters.items() if v})
    return f"{kept}&" if kept else ""


@login_required
@member_required(*VIEW_ROLES)
def overview(request):
    conn = connection_current()
    offer = platform_offer_latest()
    can_manage = request.membership.role in MANAGE_ROLES
    form = None
    if can_manage:
        initial = {"syntax": PlatformConnection._meta.get_field("syntax").default}
        if conn is None and offer is not None:
            initial = {"name": offer.name, "flow_url": offer.flow_url, "directory_url": offer.directory_url,
                       "token_url": offer.token_url, "platform_number": offer.platform_number,
                       "syntax": offer.syntax, "preset": offer.key}
        if conn is not None:
            initial = {field: getattr(conn, field) for field in
                       ("name", "flow_url", "directory_url", "token_url", "client_id", "organization_id",
                        "platform_number", "syntax")}
        form = ConnectionForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                connection_save(acting_user=request.user, data=ConnectionInput(**form.cleaned_data))
            except AppError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "Connexion enregistrée. Testez-la pour vérifier les identifiants.")
                return redirect("einvoicing:overview")
    filters = {k: request.GET.get(k, "").strip() for k in ("q", "direction", "state", "kind", "status")}
    qs = flows_filter(Flow.objects.all(), **filters)
    page = Paginator(qs.order_by("-created_at", "-pk"), 50).get_page(request.GET.get("page"))
    status = 400 if (form is not None and form.errors) else 200
    return render(request, "einvoicing/overview.html", {
        "connection": conn, "offer": offer, "form": form, "can_manage": can_manage, "page_obj": page, "filters": filters,
        "querystring_base": _querystring(filters), "directions": Flow.Direction.choices,
        "states": Flow.State.choices, "statuses": [(s.code, f"{s.code} {s.label}") for s in codes.statuses()],
        "kinds": sorted(set(Flow.objects.values_list("flow_type", flat=True).distinct())),
        "exchanges": exchanges_recent(limit=20),
    }, status=status)


@login_required
@member_required(*MANAGE_ROLES)
@require_POST
def test_connection(request):
    try:
        conn = connection_test(acting_user=request.user)
    except AppError as exc:
        messages.error(request, exc.message)
    else:
        (messages.success if conn.test_ok else messages.error)(request, conn.test_message)
    return redirect("einvoicing:overview")


@login_required
@member_required(*VIEW_ROLES)
def flow_detail(request, pk: int):
    flow = flow_get_for(actor=request.membership, pk=pk)
    labels = {s.code: s.label for s in codes.statuses()}
    events = list(flow.events.order_by("issued_at", "pk"))
    for event in events:
        event.label = labels.get(event.code, "")
    return render(request, "einvoicing/flow_detail.html", {
        "flow": flow, "events": events, "exchanges": flow.exchanges.order_by("at", "pk")})


@login_required
@member_required(*VIEW_ROLES)
def flow_file(request, pk: int):
    """The file exactly as exchanged."""
    flow = flow_get_for(actor=request.membership, pk=pk)
    payload = flow.payload
    response = HttpResponse(bytes(payload.content), content_type=payload.content_type or "application/octet-stream")
    safe = "".join(c for c in flow.name if c.isalnum() or c in "._-") or f"flux-{flow.pk}"
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@member_required(*VIEW_ROLES)
def month_archive(request):
    """The month's exchanges as a zip (the same as `manage.py einvoicing_export`)."""
    import tempfile

    from django.http import FileResponse

    from .archive import Month, archive_write

    try:
        month = Month.parse(request.GET.get("mois", ""))
    except AppError as exc:
        messages.error(request, exc.message)
        return redirect("einvoicing:overview")
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response once sent
    archive_write(month, spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=f"echanges-{month}.zip", content_type="application/zip")
