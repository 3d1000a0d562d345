"""Posting the activity to the journal. Each source document is posted once (idempotent), every
entry balances, numbers are continuous per year in validation order (row lock on the sequence)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from essaim.audit.actors import Actor
from essaim.audit.services import audit_record
from essaim.cooperatives.tenancy import tenant_connection
from essaim.core.errors import AppError

from .models import ACCOUNTS, Entry, EntryLine, EntrySequence


@dataclass(frozen=True)
class Leg:
    account: str
    label: str
    debit: Decimal = Decimal("0.00")
    credit: Decimal = Decimal("0.00")
    aux_account: str = ""
    aux_label: str = ""


def _normalise(legs: list[Leg]) -> list[Leg]:
    """Negative amounts change side (credit notes); zero legs are dropped."""
    out = []
    for leg in legs:
        net = leg.debit - leg.credit
        if net == 0:
            continue
        out.append(Leg(leg.account, leg.label, max(net, Decimal("0.00")), max(-net, Decimal("0.00")),
                       leg.aux_account, leg.aux_label))
    return out


@transaction.atomic
def entry_post(*, journal: str, date, piece_ref: str, piece_date, label: str, legs: list[Leg], source: str,
               entrepreneur=None) -> Entry:
    existing = Entry.objects.filter(source=source).first()
    if existing is not None:
        return existing
    legs = _normalise(legs)
    debit = sum((leg.debit for leg in legs), Decimal("0.00"))
    credit = sum((leg.credit for leg in legs), Decimal("0.00"))
    if not legs or debit != credit:
        raise AppError("entry_unbalanced", f"Écriture déséquilibrée : débit {debit} ≠ crédit {credit}.")
    sequence, _ = EntrySequence.objects.get_or_create(year=date.year)
    sequence = EntrySequence.objects.select_for_update().get(pk=sequence.pk)
    number = f"{date.year}-{sequence.next_value:06d}"
    sequence.next_value += 1
    sequence.save(update_fields=["next_value"])
    # Stamped under the lock: validation times follow the numbers (the FEC's order).
    entry = Entry.objects.create(journal=journal, number=number, date=date, piece_ref=piece_ref[:35],
                                 piece_date=piece_date, label=label[:200], entrepreneur=entrepreneur, source=source,
                                 validated_at=timezone.now())
    EntryLine.objects.bulk_create([EntryLine(entry=entry, account=leg.account, aux_account=leg.aux_account,
                                             aux_label=leg.aux_label[:200], label=leg.label[:200],
                                             debit=leg.debit, credit=leg.credit) for leg in legs])
    return entry


def account_labels(numbers) -> dict[str, str]:
    """The label of each account: the CAE's own (its chart of accounts, installed from a network
    template or edited, tenants/catalogue) where it has one, else the built-in PCG label, else "".

    Read through the app registry: the ledger does not depend on the catalogue app."""
    from django.apps import apps

    numbers = list(numbers)
    labels = {number: ACCOUNTS.get(number, "") for number in numbers}
    if numbers and apps.is_installed("tenants.catalogue"):
        own = apps.get_model("catalogue", "AccountLabel").objects.filter(number__in=numbers).exclude(label="")
        labels.update(own.values_list("number", "label"))
    return labels


def trial_balance(*, year: int) -> list[dict]:
    """Totals per account for the year, labelled as in the CAE's chart of accounts; the sum of
    balances is zero."""
    from django.db.models import Sum

    rows = list(EntryLine.objects.filter(entry__date__year=year).values("account")
                .annotate(debit=Sum("debit"), credit=Sum("credit")).order_by("account"))
    labels = account_labels(r["account"] for r in rows)
    return [{"account": r["account"], "label": labels[r["account"]], "debit": r["debit"],
             "credit": r["credit"], "balance": r["debit"] - r["credit"]} for r in rows]


def fec_export_request(*, year: int, acting_user: Actor):
    """Create an export job and queue it (after commit) in this CAE's schema."""
    from .models import FecExport
    from .tasks import fec_export

    if not 2000 <= year <= timezone.localdate().year:
        raise AppError("fec_year_invalid", f"Exercice invalide : {year}.", field="year")
    with transaction.atomic():
        export = FecExport.objects.create(year=year)
        audit_record(action="fec_export_request", target=f"fec_export:{export.pk}", acting_user=acting_user,
                     details={"year": year})
        transaction.on_commit(lambda: fec_export.delay(export.pk))
    return export


def fec_export_run(*, export_id: int) -> str:
    from pathlib import Path

    from django.conf import settings

    from .fec import fec_validate_file, fec_write
    from .models import FecExport

    export = FecExport.objects.get(pk=export_id)
    if export.status == FecExport.Status.DONE:
        return export.status
    FecExport.objects.filter(pk=export.pk).update(status=FecExport.Status.RUNNING)
    current = tenant_connection()
    folder = Path(settings.MEDIA_ROOT) / "fec" / current.schema_name / str(export.pk)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        path = fec_write(year=export.year, siren=current.tenant.siren, folder=folder)
        errors = fec_validate_file(path, year=export.year, siren=current.tenant.siren)
        if errors:
            raise ValueError(str(errors[0]))
        with path.open(encoding="utf-8") as handle:
            count = sum(1 for _ in handle) - 1
    except Exception as exc:  # noqa: BLE001 - recorded on the job, shown to the client
        FecExport.objects.filter(pk=export.pk).update(status=FecExport.Status.FAILED, error=str(exc)[:300],
                                                      finished_at=timezone.now())
        return FecExport.Status.FAILED
    FecExport.objects.filter(pk=export.pk).update(status=FecExport.Status.DONE, file_path=str(path), lines=count,
                                                  finished_at=timezone.now())
    return FecExport.Status.DONE


@dataclass(frozen=True)
class EntrySpec:
    """One entry for `entries_post_bulk` (the arguments of `entry_post`)."""

    journal: str
    date: datetime.date
    piece_ref: str
    piece_date: datetime.date
    label: str
    legs: list[Leg]
    source: str
    entrepreneur_id: int | None = None


@transaction.atomic
def entries_post_bulk(specs: list[EntrySpec]) -> int:
    """Post many entries in a fixed number of queries (a payroll run posts one per payslip): each
    is checked as `entry_post` checks it (balanced, not empty), all or none are written, numbers
    are continuous per year in the given order under the same row lock on the sequence, and a
    source already posted is skipped (idempotent). Returns the number of entries written."""
    if not specs:
        return 0
    posted = set(Entry.objects.filter(source__in=[s.source for s in specs]).values_list("source", flat=True))
    todo = []
    for spec in specs:
        if spec.source in posted:
            continue
        legs = _normalise(spec.legs)
        debit = sum((leg.debit for leg in legs), Decimal("0.00"))
        credit = sum((leg.credit for leg in legs), Decimal("0.00"))
        if not legs or debit != credit:
            raise AppError("entry_unbalanced", f"Écriture déséquilibrée ({spec.label}) : débit {debit} ≠ crédit {credit}.")
        todo.append((spec, legs))
    if not todo:
        return 0
    years = sorted({spec.date.year for spec, _ in todo})
    sequences = {}
    for year in years:  # locked in one order (ascending years): two posts never deadlock
        EntrySequence.objects.get_or_create(year=year)
        sequences[year] = EntrySequence.objects.select_for_update().get(year=year)
    # Stamped once the locks are held, not before: the FEC lists entries by validation time, and
    # an entry stamped while it waited would come before the lower number posted in the meantime.
    now = timezone.now()
    entries = []
    for year in years:
        batch = [(spec, legs) for spec, legs in todo if spec.date.year == year]
        sequence = sequences[year]
        first = sequence.next_value
        sequence.next_value += len(batch)
        sequence.save(update_fields=["next_value"])
        entries += [(Entry(journal=spec.journal, number=f"{year}-{first + i:06d}", date=spec.date,
                           piece_ref=spec.piece_ref[:35], piece_date=spec.piece_date, label=spec.label[:200],
                           entrepreneur_id=spec.entrepreneur_id, source=spec.source, validated_at=now), legs)
                    for i, (spec, legs) in enumerate(batch)]
    # One statement per table whatever the number of entries (no batch_size): psycopg binds on the
    # client, so PostgreSQL's 65,535-parameter limit does not apply.
    created = Entry.objects.bulk_create([entry for entry, _ in entries])
    # The lines (a dozen per payslip) go through COPY: building tens of thousands of model
    # instances for bulk_create took most of a 2,000-payslip closing.
    from django.db import connection

    columns = "entry_id, account, aux_account, aux_label, label, debit, credit"
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {EntryLine._meta.db_table} ({columns}) FROM STDIN") as copy:  # noqa: S608 - our own names
        for entry, (_, legs) in zip(created, entries, strict=True):
            for leg in legs:
                copy.write_row((entry.pk, leg.account, leg.aux_account, leg.aux_label[:200], leg.label[:200],
                                leg.debit, leg.credit))
    return len(created)
