"""Validation order under real parallel transactions: an entry that waited on the sequence lock
is numbered after the one that held it, and stamped after it too, so the FEC (sorted by
validation time) keeps the numbers in order."""

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction

from tenants.ledger.fec import COLUMNS, fec_lines, fec_validate
from tenants.ledger.models import Entry, EntrySequence
from tenants.ledger.services import EntrySpec, Leg, entries_post_bulk, entry_post
from tests.conftest import tenant_context

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 1)


def _legs(amount: str) -> list[Leg]:
    return [Leg("512", "Banque", debit=Decimal(amount)), Leg("411", "Client", credit=Decimal(amount),
                                                               aux_account="C000001", aux_label="Client")]


@pytest.fixture(scope="module")
def sequence_cae(world, django_db_blocker):
    """A CAE of this module's own whose 2026 sequence exists and is committed (entry 1), since
    other threads see only committed rows."""
    from tests.conftest import _make_cooperative, drop_cooperative

    with django_db_blocker.unblock():
        cae = _make_cooperative("ecritures-concurrence", "CAE Écritures Concurrence", 73737373)
        with tenant_context(cae):
            entry_post(journal="BQ", date=DAY, piece_ref="R1", piece_date=DAY, label="Premier règlement",
                       legs=_legs("10.00"), source="test:premier")
    yield cae
    with django_db_blocker.unblock():
        drop_cooperative(cae)


def _wait_until_someone_waits_on_me(deadline_s: float = 30.0) -> None:
    """Until another session is blocked by this one's lock (pg_blocking_pids): no fixed sleep."""
    deadline = time.monotonic() + deadline_s
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else the same view for the whole transaction
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))")
            if cursor.fetchone()[0]:
                return
    raise AssertionError("the other transaction never waited on the sequence lock")


def test_an_entry_that_waited_on_the_lock_is_stamped_after_the_one_that_held_it(sequence_cae, django_db_blocker):
    from tests.conftest import run_in_parallel

    holding = threading.Event()

    def hold_then_post():
        with transaction.atomic():
            EntrySequence.objects.select_for_update().get(year=2026)
            holding.set()
            _wait_until_someone_waits_on_me()  # the payroll closing below is now waiting for the lock
            return entry_post(journal="VT", date=DAY, piece_ref="F2", piece_date=DAY, label="Facture tenue",
                              legs=_legs("20.00"), source="test:tenue").number

    def bulk_post_while_locked():
        assert holding.wait(30), "the lock was never taken"
        entries_post_bulk([EntrySpec(journal="PA", date=DAY, piece_ref="PAIE", piece_date=DAY,
                                     label="Paie en attente", legs=_legs("30.00"), source="test:attente")])
        return Entry.objects.get(source="test:attente").number

    outcomes = run_in_parallel(lambda post: post(), [hold_then_post, bulk_post_while_locked],
                               cooperative=sequence_cae, django_db_blocker=django_db_blocker)
    assert sorted(outcomes) == ["2026-000002", "2026-000003"], outcomes
    with tenant_context(sequence_cae):
        held, waited = Entry.objects.get(source="test:tenue"), Entry.objects.get(source="test:attente")
        assert (held.number, waited.number) == ("2026-000002", "2026-000003")
        assert waited.validated_at > held.validated_at, "stamped once it had the lock, not while it waited"
        lines = list(fec_lines(year=2026))
    numbers = list(dict.fromkeys(line.split("\t")[COLUMNS.index("EcritureNum")] for line in lines[1:]))
    assert numbers == ["2026-000001", "2026-000002", "2026-000003"]
    assert fec_validate(lines, year=2026) == []
