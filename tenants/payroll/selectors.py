"""Reads for payroll."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from .engine import CaeSettings
from .models import PayrollSettings

if TYPE_CHECKING:
    from essaim.accounts.models import Membership

    from .models import PayrollLine, PayrollRun


def payroll_settings_engine(settings: PayrollSettings | None = None) -> CaeSettings:
    """This CAE's settings as the engine takes them (fractions instead of percents)."""
    s = settings or PayrollSettings.current()
    if s.health_cover == PayrollSettings.HealthCover.PMSS_RATE:
        employer, employee = s.health_employer_rate / 100, s.health_employee_rate / 100
    elif s.health_cover == PayrollSettings.HealthCover.AMOUNT:
        employer, employee = s.health_employer_amount, s.health_employee_amount
    else:
        employer = employee = Decimal(0)
    return CaeSettings(
        headcount_band=s.headcount_band, atmp_rate=None if s.atmp_rate is None else s.atmp_rate / 100,
        health_cover=s.health_cover, health_employer=employer, health_employee=employee,
    )


# -- runs, lines, payslips -------------------------------------------------------------------------

PAYROLL_ROLES = ("director", "accounts")  # Membership.Role values of the payroll staff
TOTALS = ("gross", "employee_contributions", "employer_contributions", "rgdu", "net_before_tax", "pas", "net_paid",
          "total_cost")


def is_payroll_staff(membership) -> bool:
    return membership is not None and membership.role in PAYROLL_ROLES


def runs_with_totals():
    """Every run with its line count, totals and number of unfunded lines (one query)."""
    from django.db.models import Count, Q, Sum

    from .models import PayrollRun

    return PayrollRun.objects.annotate(
        line_count=Count("lines"), unfunded=Count("lines", filter=Q(lines__funded=False)),
        **{f"sum_{name}": Sum(f"lines__{name}") for name in TOTALS},
    ).order_by("-month")


def payroll_run_get_for(*, actor: Membership | None, pk: int) -> PayrollRun:
    """A run of this CAE, for payroll staff only (404 for anyone else)."""
    from django.http import Http404

    from .models import PayrollRun

    run = PayrollRun.objects.filter(pk=pk).first() if is_payroll_staff(actor) else None
    if run is None:
        raise Http404("Paie introuvable.")
    return run


def lines_visible_to(membership):
    """Payroll staff see every line; an entrepreneur only the closed lines of their own pay."""
    from tenants.people.selectors import people_visible_to

    from .models import PayrollLine

    lines = PayrollLine.objects.select_related("run", "entrepreneur", "contract")
    if is_payroll_staff(membership):
        return lines
    if membership is None or membership.is_staff_role:
        return lines.none()
    return lines.filter(run__state="closed", entrepreneur__in=people_visible_to(membership))


def payroll_line_get_for(*, actor: Membership | None, pk: int) -> PayrollLine:
    from django.http import Http404

    line = lines_visible_to(actor).filter(pk=pk).first()
    if line is None:
        raise Http404("Bulletin introuvable.")
    return line


def run_totals(run) -> dict:
    from django.db.models import Count, Q, Sum

    return run.lines.aggregate(line_count=Count("id"), unfunded=Count("id", filter=Q(funded=False)),
                               **{name: Sum(name) for name in TOTALS})


def block_totals(lines) -> list[dict]:
    """Employee and employer totals per payslip block (bulletin clarifié order) over `lines`."""
    from essaim.payrates.rateset import BLOCKS

    sums: dict[str, list[Decimal]] = {}
    for line in lines:
        for item in line.detail:
            pair = sums.setdefault(item["block"], [Decimal(0), Decimal(0)])
            pair[0] += Decimal(item["employee"])
            pair[1] += Decimal(item["employer"])
    return [{"block": code, "label": label, "employee": sums[code][0], "employer": sums[code][1]}
            for code, label in BLOCKS.items() if code in sums]


def annual_summary(*, entrepreneur, year: int) -> dict:
    """A person's closed payslips of the year: the months, the totals and the totals by block."""
    from .models import PayrollLine

    lines = list(PayrollLine.objects.filter(entrepreneur=entrepreneur, run__state="closed", run__month__year=year)
                 .select_related("run").order_by("run__month", "id"))
    totals = {name: sum((getattr(line, name) for line in lines), Decimal("0.00"))
              for name in (*TOTALS, "taxable_net")}
    return {"lines": lines, "totals": totals, "blocks": block_totals(lines), "year": year}


def contributions_summary(run) -> list[dict]:
    """What the run owes each fund: per contribution line (base, employee and employer shares),
    the RGDU under URSSAF, the PAS to the tax office, and a total per fund."""
    from .funds import FUNDS, TAX_OFFICE, FundResolver

    fund_of = FundResolver(run.pay_day)
    per_code: dict[tuple[str, str], dict] = {}
    rgdu = pas = taxable = Decimal("0.00")
    for detail, line_rgdu, line_pas, line_taxable in run.lines.values_list(
            "detail", "rgdu", "pas", "taxable_net").order_by("id"):
        rgdu += line_rgdu
        pas += line_pas
        taxable += line_taxable
        for item in detail:
            key = (fund_of(item), item["code"])
            row = per_code.setdefault(key, {"fund": key[0], "code": item["code"], "label": item["label"],
                                            "base": Decimal("0.00"), "employee": Decimal("0.00"),
                                            "employer": Decimal("0.00")})
            row["base"] += Decimal(item["base"]) if item["base"] is not None else Decimal("0.00")
            row["employee"] += Decimal(item["employee"])
            row["employer"] += Decimal(item["employer"])
    rows = []
    for fund in FUNDS.values():
        items = [row for (code, _), row in sorted(per_code.items()) if code == fund.code]
        if fund.code == "urssaf" and rgdu:
            items.append({"fund": fund.code, "code": "rgdu", "label": "Allègement de cotisations (réduction générale)",
                          "base": None, "employee": Decimal("0.00"), "employer": -rgdu})
        if not items:
            continue
        for row in items:
            rows.append({**row, "fund_label": fund.label, "account": fund.payable, "total": row["employee"] + row["employer"]})
        employee = sum((row["employee"] for row in items), Decimal("0.00"))
        employer = sum((row["employer"] for row in items), Decimal("0.00"))
        rows.append({"fund": fund.code, "fund_label": fund.label, "account": fund.payable, "code": "total",
                     "label": f"Total {fund.aux}", "base": None, "employee": employee, "employer": employer,
                     "total": employee + employer})
    if pas:
        rows.append({"fund": TAX_OFFICE[0], "fund_label": TAX_OFFICE[1], "account": TAX_OFFICE[2], "code": "pas",
                     "label": "Impôt sur le revenu prélevé à la source", "base": taxable, "employee": pas,
                     "employer": Decimal("0.00"), "total": pas})
    return rows


def contributions_csv(run) -> str:
    """The summary as CSV (semicolons, decimal commas, as French spreadsheets read it)."""
    import csv
    import io

    def number(value):
        return "" if value is None else f"{value:.2f}".replace(".", ",")

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["mois", "organisme", "libelle_organisme", "compte", "code", "libelle", "base", "part_salariale",
                     "part_patronale", "total"])
    for row in contributions_summary(run):
        writer.writerow([f"{run.month:%Y-%m}", row["fund"], row["fund_label"], row["account"], row["code"],
                         row["label"], number(row["base"]), number(row["employee"]), number(row["employer"]),
                         number(row["total"])])
    return out.getvalue()


def current_pas_rates(people_ids, on):
    """entrepreneur id → WithholdingRate in force on `on` (one query)."""
    from .models import WithholdingRate

    rows = (WithholdingRate.objects.filter(entrepreneur_id__in=people_ids, effective_from__lte=on)
            .order_by("entrepreneur_id", "-effective_from").distinct("entrepreneur_id"))
    return {row.entrepreneur_id: row for row in rows}
