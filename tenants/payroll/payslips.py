"""Payslip PDFs (WeasyPrint) in the layout of the "bulletin clarifié" (arrêté du 25 février 2016):
contributions grouped by risk (santé, accidents du travail, retraite, famille, assurance chômage),
the employer's other contributions, the CSG/CRDS split deductible / not deductible, the RGDU as
« allègement de cotisations », net before tax, tax withheld, net paid, total cost to the employer.

Files live under MEDIA_ROOT/payslips/<schema>/ with a random name (not guessable, nothing
personal in it) and are served only through the checked views."""

from __future__ import annotations

import secrets
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from essaim.payrates.rateset import BLOCKS

from .models import PayrollLine, PayrollRun, PayslipDocument

ZERO = Decimal("0.00")
CSG_DEDUCTIBLE = "CSG déductible de l'impôt sur le revenu"
CSG_NOT_DEDUCTIBLE = "CSG/CRDS non déductibles de l'impôt sur le revenu"


def _decimal(value):
    return None if value is None else Decimal(value)


def payslip_blocks(line: PayrollLine) -> list[dict]:
    """The printed blocks: each with its lines and totals; the CSG/CRDS block is split in two."""
    groups: dict[str, dict] = {}
    for item in line.detail:
        block = item["block"]
        if block == "csg_crds":
            key, label = ("csg_deductible", CSG_DEDUCTIBLE) if item["deductible"] else ("csg_non_deductible",
                                                                                       CSG_NOT_DEDUCTIBLE)
        else:
            key, label = block, BLOCKS.get(block, block)
        group = groups.setdefault(key, {"key": key, "label": label, "lines": [], "employee": ZERO, "employer": ZERO})
        row = {"label": item["label"], "base": _decimal(item["base"]),
               "employee_rate": _percent(item["employee_rate"]), "employee": Decimal(item["employee"]),
               "employer_rate": _percent(item["employer_rate"]), "employer": Decimal(item["employer"])}
        group["lines"].append(row)
        group["employee"] += row["employee"]
        group["employer"] += row["employer"]
    order = [code for code in BLOCKS if code != "csg_crds"] + ["csg_deductible", "csg_non_deductible"]
    return [groups[key] for key in order if key in groups]


def _percent(rate):
    if rate is None:
        return None
    return (Decimal(rate) * 100).normalize()


def payslip_html(*, line: PayrollLine, cooperative) -> str:
    from django.template.loader import render_to_string

    from .selectors import annual_summary

    run = line.run
    ytd = annual_summary(entrepreneur=line.entrepreneur, year=run.month.year)
    months = [ln for ln in ytd["lines"] if ln.run.month <= run.month]
    cumul = {name: sum((getattr(ln, name) for ln in months), ZERO) for name in ("gross", "taxable_net", "pas")}
    return render_to_string("payroll/payslip_pdf.html", {
        "line": line, "run": run, "person": line.entrepreneur, "cooperative": cooperative,
        "blocks": payslip_blocks(line), "cumul": cumul, "draft": run.state != PayrollRun.State.CLOSED,
        "employer_after_rgdu": line.employer_contributions - line.rgdu,
    })


def payslip_pdf(*, line: PayrollLine, cooperative) -> bytes:
    from weasyprint import HTML

    return HTML(string=payslip_html(line=line, cooperative=cooperative)).write_pdf()


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "payslips" / connection.schema_name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def payslip_store(*, line: PayrollLine) -> PayslipDocument:
    """Render and store a closed line's PDF once (idempotent: an existing document is kept)."""
    existing = PayslipDocument.objects.filter(line=line).first()
    if existing is not None and Path(existing.path).exists():
        return existing
    pdf = payslip_pdf(line=line, cooperative=connection.tenant)
    path = _folder() / f"{secrets.token_urlsafe(24)}.pdf"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pdf)
    tmp.replace(path)
    if existing is not None:
        PayslipDocument.objects.filter(pk=existing.pk).update(path=str(path))
        existing.path = str(path)
        return existing
    try:
        with transaction.atomic():
            return PayslipDocument.objects.create(line=line, path=str(path))
    except IntegrityError:  # rendered meanwhile by another worker: keep theirs
        path.unlink(missing_ok=True)
        return PayslipDocument.objects.get(line=line)


def payslips_render_run(*, run_id: int) -> int:
    """The Celery task's body: every closed line of the run without a PDF gets one."""
    lines = (PayrollLine.objects.filter(run_id=run_id, run__state=PayrollRun.State.CLOSED, document__isnull=True)
             .select_related("run", "entrepreneur", "contract").order_by("id"))
    count = 0
    for line in lines:
        payslip_store(line=line)
        count += 1
    return count


def payslip_file(*, line: PayrollLine) -> Path | None:
    """The stored PDF of a closed line, rendered now if the task has not run yet; None for a line
    of an open run (staff preview those without storing them)."""
    if line.run.state != PayrollRun.State.CLOSED:
        return None
    return Path(payslip_store(line=line).path)
