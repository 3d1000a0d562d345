"""Rate-table pages for the network staff, on the network's public domain (/baremes-de-paie/):
the tables, each one's parameters in French, and loading a new year's JSON file. Loading goes
through `rate_table_load` (the whole document validated before anything is written, in one
transaction); replacing a table with the same start date needs an explicit confirmation. The
Django admin stays the network admins' tool; these pages are the staff's."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models.fields.json import KT
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from essaim.core.errors import AppError

from .models import RateTable
from .rateset import BLOCKS, FUNDS, rateset_parse
from .selectors import rate_table_get_for
from .services import MAX_DOCUMENT_BYTES, document_parse, rate_table_load

HEADCOUNT_LABELS = {"<11": "moins de 11 salarié·es", ">=11": "11 salarié·es et plus", "<50": "moins de 50 salarié·es",
                    ">=50": "50 salarié·es et plus", "<250": "moins de 250 salarié·es",
                    ">=250": "250 salarié·es et plus"}


def network_staff_only(view):
    """Network staff (and admins) on the public domain; a CAE's domain never serves these pages."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if getattr(request, "cooperative", None) is not None:
            raise Http404
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_network_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _percent(fraction: Decimal) -> str:
    return f"{(fraction * 100).normalize():f}".replace(".", ",") + " %"


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def _base(line, rates) -> str:
    t2 = _number(rates.t2_cap_pmss)
    return {
        "total": "totalité du brut",
        "t1": "tranche 1 (jusqu'à 1 PMSS)",
        "t2": f"tranche 2 (de 1 à {t2} PMSS)",
        "t1_t2": f"tranches 1 et 2 (jusqu'à {t2} PMSS)",
        "capped": f"brut plafonné à {_number(line.cap_pmss or Decimal(0))} PMSS",
        "csg": "assiette CSG/CRDS",
        "employer_health": "part patronale de la complémentaire santé",
        "health_cover": "contrat de la CAE",
    }[line.base]


def _lines_by_block(rates) -> list[dict]:
    out = []
    for code, label in BLOCKS.items():
        rows = []
        for line in rates.lines:
            if line.block != code:
                continue
            from_cae = line.kind in ("atmp", "health_cover")
            notes = []
            if line.kind == "fnal":
                notes.append("fixe le Tdelta de la RGDU")
            if line.rgdu:
                notes.append("allégée par la RGDU")
            if line.only_above_pmss:
                notes.append("seulement au-delà du PMSS")
            if not line.deductible:
                notes.append("non déductible de l'impôt")
            rows.append({
                "code": line.code, "label": line.label, "base": _base(line, rates),
                "employee": "réglages de la CAE" if from_cae else _percent(line.employee_rate),
                "employer": "réglages de la CAE" if from_cae else _percent(line.employer_rate),
                "headcount": HEADCOUNT_LABELS.get(line.headcount, "toutes"), "fund": FUNDS[line.fund],
                "notes": ", ".join(notes), "source": line.source,
                "source_is_url": line.source.startswith(("https://", "http://")),
            })
        if rows:
            out.append({"label": label, "lines": rows})
    return out


@network_staff_only
def table_list(request):
    tables = list(RateTable.objects.select_related("created_by").defer("document")
                  .annotate(label=KT("document__label")).order_by("-valid_from"))
    today = timezone.localdate()
    for table in tables:
        table.in_force = table.valid_from <= today and (table.valid_to is None or today <= table.valid_to)
    return render(request, "payrates/list.html", {"tables": tables})


@network_staff_only
def table_detail(request, pk: int):
    table = rate_table_get_for(actor=request.user, pk=pk)
    try:
        rates, error = rateset_parse(table.document), None
    except AppError as exc:  # stored before a validation rule existed: shown as it is
        rates, error = None, exc.message
    context = {"table": table, "rates": rates, "error": error}
    if rates is not None:
        g = rates.rgdu
        context.update({
            "blocks": _lines_by_block(rates),
            "parameters": [
                ("SMIC horaire", f"{_number(rates.smic_hourly)} €"),
                ("SMIC mensuel (temps plein)", f"{_number(rates.smic_monthly)} €"),
                ("Heures mensuelles (temps plein)", _number(rates.monthly_hours)),
                ("Durée légale hebdomadaire", f"{_number(rates.legal_weekly_hours)} h (proratise le SMIC de "
                                              "référence des temps partiels)"),
                ("Plafond annuel de la Sécurité sociale (PASS)", f"{_number(rates.pass_annual)} €"),
                ("Plafond mensuel (PMSS)", f"{_number(rates.pmss)} €"),
                ("Fin de la tranche 2", f"{_number(rates.t2_cap_pmss)} PMSS"),
                ("Assiette CSG/CRDS", f"{_percent(rates.csg_base_rate)} du brut, abattement limité à "
                                      f"{_number(rates.csg_abatement_cap_pass)} PASS"),
                ("Taux AT/MP moyen (CAE sans taux notifié)", _percent(rates.atmp_default_rate)),
                ("Arrondi des montants", f"{_number(rates.amount_quantum)} €, au plus proche (demi vers le haut)"),
            ],
            "rgdu": [
                ("Tmin", _number(g.tmin)),
                ("Tdelta selon le taux FNAL", " ; ".join(f"FNAL {_percent(rate)} : {_number(tdelta)}"
                                                         for rate, tdelta in g.tdelta_by_fnal_rate)),
                ("Exposant", _number(g.exponent)),
                ("Nulle à partir de", f"{_number(g.exit_smic_multiple)} SMIC"),
                ("AT/MP retenu au plus à", _percent(g.atmp_cap_rate)),
                ("Coefficient arrondi à", f"{g.coefficient_places} décimales"),
            ],
        })
    return render(request, "payrates/detail.html", context)


@network_staff_only
def table_json(request, pk: int):
    """The stored document, to start next year's file from."""
    table = rate_table_get_for(actor=request.user, pk=pk)
    response = HttpResponse(json.dumps(table.document, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bareme-{table.valid_from:%Y-%m-%d}.json"'
    return response


def _posted_document(request) -> tuple[dict, str]:
    """The uploaded file, or — when confirming a replacement — the document sent back with the
    confirmation. Either way it is validated again in full."""
    upload = request.FILES.get("file")
    if upload is not None:
        name = (upload.name or "").rsplit("/", 1)[-1]
        if not name.lower().endswith(".json"):
            raise AppError("payrates_file", f"Le fichier « {name} » n'est pas un barème JSON (extension .json "
                           "attendue).", field="file")
        if upload.size > MAX_DOCUMENT_BYTES:
            raise AppError("payrates_file", f"Le fichier « {name} » dépasse {MAX_DOCUMENT_BYTES // 1024} Ko : ce "
                           "n'est pas un barème.", field="file")
        return document_parse(upload.read(), name=f"« {name} »"), name
    text = request.POST.get("document", "")
    if not text:
        raise AppError("payrates_file", "Choisissez le fichier JSON du barème.", field="file")
    return document_parse(text.encode("utf-8"), name="le barème envoyé"), request.POST.get("file_name", "")[:200]


@network_staff_only
@require_http_methods(["GET", "POST"])
def table_upload(request):
    error = conflict = None
    if request.method == "POST":
        document, name = None, ""
        replace = request.POST.get("replace") == "1"
        source = request.POST.get("source", "").strip()[:300]
        try:
            document, name = _posted_document(request)
            source = source or (f"Fichier {name}" if name else "")
            table = rate_table_load(document=document, source=source, replace=replace, acting_user=request.user)
        except AppError as exc:
            existing = (RateTable.objects.select_related("created_by").filter(valid_from=document["valid_from"]).first()
                        if exc.code == "payrates_exists" and document is not None else None)
            if existing is not None:
                conflict = {"existing": existing, "existing_label": existing.document.get("label", ""),
                            "label": document.get("label", ""), "source": source,
                            "document": json.dumps(document, ensure_ascii=False), "file_name": name}
            else:
                error = exc
        else:
            end = f" au {table.valid_to:%d/%m/%Y}" if table.valid_to else ""
            messages.success(request, f"Barème {'remplacé' if replace else 'chargé'} : valable du "
                                      f"{table.valid_from:%d/%m/%Y}{end}.")
            return redirect("payrates:detail", pk=table.pk)
    return render(request, "payrates/upload.html", {
        "error": error, "conflict": conflict, "source": request.POST.get("source", ""),
        "max_kb": MAX_DOCUMENT_BYTES // 1024,
    }, status=400 if error else 409 if conflict else 200)
