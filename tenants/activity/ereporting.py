"""E-reporting of the sales that are not e-invoiced (CGI art. 290 and 290 A; docs/einvoicing.md):
B2C sales aggregated per day, category and VAT rate (flux 10.3), sales to business buyers outside
France per invoice (10.1), and the payments received for services whose VAT is due on receipt
(10.2 per invoice for international buyers, 10.4 aggregated per day for individuals). Built per
period of the CAE's calendar (tenants/einvoicing/periods.py) by the flux 10 writer, streamed to a
temporary file, and handed to the platform as FRR flows (the platform transmits them; Essaim never
talks to the tax administration itself).

Amounts are the issued documents' own (per invoice and rate, as totals.py computed them at issue):
the report repeats the books to the cent. A credit note is a negative sale of its day."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from essaim.audit.actors import Actor
from essaim.core.errors import AppError
from tenants.einvoicing import flux10
from tenants.einvoicing.models import Flow, Report, Syntax
from tenants.einvoicing.periods import Period
from tenants.einvoicing.services import FlowInput, connection_current, flow_queue

from .models import Invoice, InvoiceAllowanceCharge, InvoiceLine, Payment
from .parties import issued_vat
from .totals import Totals, compute_totals, payment_split
from .vat import processing_rule, treatment

# flux 10 transaction categories (G1.68) of our operation kinds; mixed invoices are reported as
# services, their main part in a CAE's activities (a CAE invoices mostly services).
CATEGORY = {Invoice.Operation.SERVICES: "TPS1", Invoice.Operation.GOODS: "TLB1", Invoice.Operation.MIXED: "TPS1"}
# The flow types of XP Z12-013 for each report.
FLOW_TYPES = {Report.Kind.TRANSACTIONS: "MultiFlowReport", Report.Kind.PAYMENTS: "MultiFlowReport"}
CHUNK = 2000


def _buyer(invoice_issued_as: dict | None) -> dict:
    return (invoice_issued_as or {}).get("buyer") or {}


def _rule(issued_as: dict | None) -> str:
    return processing_rule(_buyer(issued_as))


def _issued(period: Period):
    return (Invoice.objects.filter(status=Invoice.Status.FINALISED, issued_on__gte=period.start,
                                   issued_on__lte=period.end)
            .order_by("issued_on", "pk"))


@dataclass
class _Document:
    """What the per-rate totals of one document are computed from (totals.compute_totals)."""

    lines: list[tuple] = field(default_factory=list)
    allowances: list[tuple[Decimal, Decimal]] = field(default_factory=list)
    charges: list[tuple[Decimal, Decimal]] = field(default_factory=list)

    def totals(self) -> Totals:
        return compute_totals(self.lines, allowances=self.allowances, charges=self.charges)

    def per_rate(self) -> list[tuple[Decimal, Decimal, Decimal]]:
        return [(rt.rate, rt.base, rt.vat) for rt in self.totals().by_rate]

    def payment_parts(self, amount: Decimal) -> list[tuple[Decimal, Decimal]]:
        return payment_split(amount, self.totals())


def _documents(invoice_ids: list[int]) -> dict[int, _Document]:
    """The lines (with their own allowance and charge) and the document-level allowances and
    charges of these invoices, in two queries: the same totals as the issued document's (BG-22)."""
    grouped: dict[int, _Document] = defaultdict(_Document)
    for invoice_id, quantity, price, rate, allowance, charge in (
            InvoiceLine.objects.filter(invoice_id__in=invoice_ids)
            .values_list("invoice_id", "quantity", "unit_price", "vat_rate", "allowance_amount", "charge_amount")):
        grouped[invoice_id].lines.append((quantity, price, Decimal(rate), allowance, charge))
    for invoice_id, is_charge, amount, rate in (
            InvoiceAllowanceCharge.objects.filter(invoice_id__in=invoice_ids)
            .values_list("invoice_id", "is_charge", "amount", "vat_rate")):
        document = grouped[invoice_id]
        (document.charges if is_charge else document.allowances).append((amount, Decimal(rate)))
    return grouped


def _invoices_with_lines(period: Period, *, b2b: bool) -> Iterator[tuple[dict, list[tuple[Decimal, Decimal, Decimal]]]]:
    """Each issued document of the period sold to a business (`b2b`) or not, as a dict of its
    fields, with its per-rate totals, read in chunks: memory stays flat whatever the month holds.
    The buyer's kind is read in SQL from the frozen parties, so each pass reads only its rows."""
    issued = _issued(period)
    if b2b:
        issued = issued.filter(issued_as__buyer__b2b=True).exclude(issued_as__buyer__country="FR")
        fields: tuple[str, ...] = ("pk", "number", "issued_on", "kind", "operation", "issued_as", "exemption_mention")
    else:
        issued = issued.exclude(issued_as__buyer__b2b=True)
        fields = ("pk", "issued_on", "kind", "operation")
    chunk: list[dict] = []
    for row in issued.values(*fields).iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield from _with_lines(chunk)
            chunk = []
    if chunk:
        yield from _with_lines(chunk)


def _with_lines(chunk: list[dict]):
    documents = _documents([row["pk"] for row in chunk])
    for row in chunk:
        yield row, documents[row["pk"]].per_rate()


def _sign(row: dict) -> Decimal:
    return Decimal("-1") if row["kind"] == Invoice.Kind.CREDIT_NOTE else Decimal("1")


def b2c_transactions(period: Period, counter: dict) -> Iterator[flux10.B2CTransaction]:
    """The period's sales to individuals, summed here per day, category and rate (one accumulator
    each: a month is some sixty of them whatever its sales) and handed to the flux 10 writer as
    one transaction per sum, the day's sales counted on its first rate."""
    sums: dict[tuple[date, str], dict[Decimal, list[Decimal]]] = {}
    sales: dict[tuple[date, str], int] = defaultdict(int)
    for row, rates in _invoices_with_lines(period, b2b=False):
        counter["b2c_sales"] += 1
        sign = _sign(row)
        key = (row["issued_on"], CATEGORY[row["operation"]])
        per_rate = sums.setdefault(key, {})
        sales[key] += 1
        for rate, base, vat in rates:
            counter["b2c_excl_vat"] += sign * base
            counter["b2c_vat"] += sign * vat
            acc = per_rate.setdefault(rate, [Decimal("0.00"), Decimal("0.00")])
            acc[0] += sign * base
            acc[1] += sign * vat
    for (day, category), per_rate in sorted(sums.items()):
        for index, (rate, (base, vat)) in enumerate(sorted(per_rate.items())):
            yield flux10.B2CTransaction(day=day, category=category, rate=rate, taxable_amount=base, tax_amount=vat,
                                        count=sales[(day, category)] if index == 0 else 0)


def _vat_line(row: dict, rate: Decimal, base: Decimal, vat: Decimal) -> flux10.VatBreakdown:
    """One rate of a 10.1 invoice with the treatment frozen at issue (vat.py): S, E with the
    invoice's exemption mention, AE (reverse charge) or K (intra-community supply) with their
    VATEX code and mention."""
    regime = issued_vat(row["issued_as"] or {})["regime"]
    how = treatment(regime, rate)
    if how.category == "S":
        return flux10.VatBreakdown(category="S", rate=rate, taxable_amount=base, tax_amount=vat)
    reason = how.printed or (row["exemption_mention"] or "").strip() or None
    return flux10.VatBreakdown(category=how.category, rate=rate, taxable_amount=base, tax_amount=vat,
                               exemption_reason=reason, exemption_reason_code=how.exemption_code or None)


def international_transactions(period: Period, counter: dict, *, siren: str,
                               seller_vat: str) -> Iterator[flux10.UnitaryTransaction]:
    for row, rates in _invoices_with_lines(period, b2b=True):
        if _rule(row["issued_as"]) != "B2BInt":
            continue
        buyer = _buyer(row["issued_as"])
        counter["international_invoices"] += 1
        vat_id = (buyer.get("vat_number") or "").replace(" ", "").upper()
        vat_lines = tuple(_vat_line(row, rate, base, vat) for rate, base, vat in rates)
        yield flux10.UnitaryTransaction(
            invoice_id=row["number"], issue_date=row["issued_on"],
            type_code="381" if row["kind"] == Invoice.Kind.CREDIT_NOTE else "380",
            business_process="S1" if row["operation"] != Invoice.Operation.GOODS else "B1",
            seller=flux10.Party(id=siren, scheme="0002", vat_id=seller_vat, country="FR"),
            buyer=flux10.Party(id=vat_id[:18], scheme="0223", vat_id=vat_id, country=buyer.get("country")),
            vat_lines=vat_lines)


def payments(period: Period, counter: dict) -> tuple[list[flux10.UnitaryPayment], list[flux10.AggregatedPayment]]:
    """Payments received in the period for services (VAT due on receipt) sold to individuals
    (aggregated per day) or to business buyers outside France (per invoice)."""
    unitary: list[flux10.UnitaryPayment] = []
    per_day: dict[date, dict[Decimal, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    qs = (Payment.objects.filter(received_on__gte=period.start, received_on__lte=period.end,
                                 invoice__operation=Invoice.Operation.SERVICES)
          .select_related("invoice").order_by("received_on", "pk"))
    batch: list[Payment] = []

    def flush():
        documents = _documents(list({p.invoice_id for p in batch}))
        for payment in batch:
            rule = _rule(payment.invoice.issued_as)
            if rule == "B2B":
                continue  # e-invoiced: its payment goes as a 212 Encaissée status (emission.py)
            parts = documents[payment.invoice_id].payment_parts(payment.amount)
            if not parts:
                continue
            counter["payments"] += 1
            counter["payments_amount"] += payment.amount
            if rule == "B2BInt":
                unitary.append(flux10.UnitaryPayment(
                    invoice_id=payment.invoice.number, invoice_date=payment.invoice.issued_on,
                    payment_date=payment.received_on,
                    subtotals=tuple(flux10.PaymentSubtotal(rate=r, amount=a) for r, a in parts)))
            else:
                for rate, amount in parts:
                    per_day[payment.received_on][rate] += amount

    for payment in qs.iterator(chunk_size=CHUNK):
        batch.append(payment)
        if len(batch) == CHUNK:
            flush()
            batch = []
    if batch:
        flush()
    aggregated = [flux10.AggregatedPayment(day=day, subtotals=tuple(
        flux10.PaymentSubtotal(rate=rate, amount=amount) for rate, amount in sorted(rates.items())))
        for day, rates in sorted(per_day.items())]
    return unitary, aggregated


def _header(period: Period, kind: str, *, cooperative, conn, sequence: int, type_code: str) -> flux10.ReportHeader:
    if not conn.platform_number or len(conn.platform_number) != 4:
        raise AppError("platform_number_missing", "Le matricule de la plateforme (4 caractères) est nécessaire à "
                       "l'e-reporting : renseignez-le dans la connexion à la plateforme.", field="platform_number")
    return flux10.ReportHeader(
        report_id=f"{cooperative.siren}-{kind[:3].upper()}-{period.start:%Y%m%d}-{sequence}",
        issued_at=timezone.now(), period_start=period.start,
        # The XSD wants an end after the start: a one-day period ends the next day at 00:00.
        period_end=period.end if period.end > period.start else period.end + timedelta(days=1),
        declarant_siren=cooperative.siren, declarant_name=cooperative.legal_name,
        platform_id=conn.platform_number, platform_name=conn.name, type_code=type_code)


def ereporting_build(*, period: Period, cooperative, sequence: int = 1, type_code: str = "IN") -> dict:
    """The two reports of a period as files (bytes) with what went into each, without sending."""
    from .parties import seller_vat_number

    conn = connection_current()
    if conn is None:
        raise AppError("platform_not_configured", "Aucune plateforme agréée n'est configurée : l'e-reporting lui est "
                       "confié, configurez-la d'abord.")
    result = {}
    counter: dict = defaultdict(Decimal)
    header = _header(period, Report.Kind.TRANSACTIONS, cooperative=cooperative, conn=conn, sequence=sequence,
                     type_code=type_code)
    with tempfile.TemporaryFile() as out:
        flux10.write_transactions_report(
            out, header,
            invoices=international_transactions(period, counter, siren=cooperative.siren,
                                                 seller_vat=seller_vat_number(cooperative.siren)),
            b2c_days=flux10.aggregate_b2c(b2c_transactions(period, counter)))
        out.seek(0)
        result[Report.Kind.TRANSACTIONS] = (out.read(), {k: str(v) for k, v in counter.items()})
    counter = defaultdict(Decimal)
    unitary, aggregated = payments(period, counter)
    header = _header(period, Report.Kind.PAYMENTS, cooperative=cooperative, conn=conn, sequence=sequence,
                     type_code=type_code)
    result[Report.Kind.PAYMENTS] = (flux10.payments_report_bytes(header, payments=unitary, aggregated=aggregated),
                                    {k: str(v) for k, v in counter.items()})
    return result


@transaction.atomic
def ereporting_send(*, period: Period, cooperative, acting_user: Actor, replaces: Report | None = None) -> list[Report]:
    """Build the period's reports and queue them to the platform (FRR flows). A report already
    sent for the period is not sent again unless it is replaced (a rejected one, resent)."""
    existing = Report.objects.filter(period_start=period.start, period_end=period.end, replaced_by__isnull=True)
    if replaces is None and existing.exists():
        raise AppError("ereport_already_sent", f"Les rapports de la période {period} ont déjà été transmis.")
    if replaces is not None and replaces.flow.state != Flow.State.ERROR and replaces.flow.ack_status != Flow.Ack.ERROR:
        raise AppError("ereport_not_rejected", "Seul un rapport refusé par la plateforme peut être renvoyé.")
    sequence = Report.objects.filter(period_start=period.start).count() + 1
    built = ereporting_build(period=period, cooperative=cooperative, sequence=sequence,
                             type_code="RE" if replaces is not None else "IN")
    made = []
    for kind, (content, contents) in built.items():
        if replaces is not None and replaces.kind != kind:
            continue
        flow = flow_queue(acting_user=acting_user, data=FlowInput(
            content=content, name=f"ereporting-{kind}-{period.start:%Y%m%d}-{period.end:%Y%m%d}-{sequence}.xml",
            syntax=Syntax.FRR, flow_type=FLOW_TYPES[kind], processing_rule="B2C",
            document_key=f"ereporting:{period.start:%Y%m%d}:{kind}", document_date=period.end,
            seller_siren=cooperative.siren))
        made.append(Report.objects.create(kind=kind, period_start=period.start, period_end=period.end, flow=flow,
                                          contents=contents, replaces=replaces))
    return made


def periods_overview(*, today: date, months: int = 6) -> list[dict]:
    """The periods of the last `months` months (most recent first) with their reports."""
    from tenants.einvoicing.periods import periods_between

    first = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    periods = periods_between(first, today)
    reports = list(Report.objects.filter(period_start__gte=first).select_related("flow").order_by("created_at"))
    rows = []
    for period in reversed(periods):
        mine = [r for r in reports if r.period_start == period.start and r.period_end == period.end]
        replaced = {r.replaces_id for r in mine}
        rows.append({"period": period, "complete": period.end < today,
                     "reports": [r for r in mine if r.pk not in replaced], "history": len(mine) - len(replaced)})
    return rows


def ereporting_due(*, today: date, acting_user: Actor, cooperative) -> list[Report]:
    """Daily: the last complete period that has no report yet is sent (nothing without a
    platform, or when its reports exist)."""
    from tenants.einvoicing.periods import frequency_on, period_containing

    if connection_current() is None:
        return []
    yesterday = today - timedelta(days=1)
    period = period_containing(yesterday, frequency_on(yesterday))
    if period.end != yesterday:
        return []
    if Report.objects.filter(period_start=period.start, period_end=period.end).exists():
        return []
    return ereporting_send(period=period, cooperative=cooperative, acting_user=acting_user)


def ereporting_frequency_set(*, frequency: str, valid_from: date, acting_user: Actor, today: date):
    """The CAE's e-reporting calendar from the first day of a month, today or later (a period
    already begun keeps its calendar)."""
    from essaim.audit.services import audit_record
    from tenants.einvoicing.models import ReportingFrequency

    if frequency not in ReportingFrequency.Frequency.values:
        raise AppError("frequency_unknown", "Fréquence inconnue.", field="frequency")
    if valid_from.day != 1 or valid_from < today.replace(day=1):
        raise AppError("frequency_start", "Une nouvelle fréquence commence le 1er d'un mois, celui-ci ou un suivant.",
                       field="valid_from")
    if frequency == ReportingFrequency.Frequency.BIMONTHLY and valid_from.month % 2 == 0:
        raise AppError("frequency_start", "Une période de deux mois commence en janvier, mars, mai, juillet, "
                       "septembre ou novembre.", field="valid_from")
    row, _ = ReportingFrequency.objects.update_or_create(valid_from=valid_from, defaults={"frequency": frequency})
    audit_record(action="ereporting_frequency_set", target=str(row), acting_user=acting_user,
                 details={"frequency": frequency, "valid_from": valid_from.isoformat()})
    return row
