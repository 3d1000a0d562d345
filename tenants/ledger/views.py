from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from essaim.accounts.models import Membership
from essaim.core.params import year_param
from essaim.ui.access import member_required

from .fec import fec_chunks, fec_filename
from .services import trial_balance


def _year(request) -> int:
    return year_param(request.GET.get("annee"))


@login_required
@member_required(*Membership.FINANCE_ROLES)
def balance(request):
    year = _year(request)
    rows = trial_balance(year=year)
    return render(request, "ledger/balance.html", {
        "rows": rows, "year": year, "years": range(timezone.localdate().year, timezone.localdate().year - 6, -1),
        "total_debit": sum(r["debit"] for r in rows), "total_credit": sum(r["credit"] for r in rows),
    })


def _in_schema(tenant, lines):
    """A streamed body is produced after the middleware has put the connection back on the public
    schema: each chunk is read inside the CAE's schema, and public is restored after."""
    from django.db import connection

    connection.set_tenant(tenant)
    try:
        yield from lines
    finally:
        connection.set_schema_to_public()


@login_required
@member_required(*Membership.FINANCE_ROLES)
def fec_download(request):
    """The FEC, streamed: memory stays flat whatever the number of lines."""
    from datetime import date

    year = _year(request)
    response = StreamingHttpResponse(_in_schema(request.tenant, fec_chunks(year=year)),
                                     content_type="text/plain; charset=utf-8")
    name = fec_filename(request.cooperative.siren, date(year, 12, 31))
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
