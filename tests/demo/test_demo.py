"""The demo network generator: deterministic, realistic, and its logins work."""

from collections import Counter

import pytest
from django.core.management import call_command
from stdnum.fr import siren, siret

from demo.generator import network_plan
from demo.logins import DEMO_PASSWORD, demo_logins
from essaim.cooperatives.models import Cooperative
from tenants.people.journey import Stage
from tests.conftest import tenant_context
from tests.factories import TEST_ACTOR


def test_plan_is_deterministic():
    one = network_plan(cooperatives=5, entrepreneurs=12, seed=7)
    two = network_plan(cooperatives=5, entrepreneurs=12, seed=7)
    other = network_plan(cooperatives=5, entrepreneurs=12, seed=8)
    assert one == two
    assert one != other


def test_plan_is_realistic():
    plans = network_plan(cooperatives=40, entrepreneurs=30, seed=2026)
    assert [p.slug for p in plans[:3]] == ["cesame", "batisseurs", "kaleidoscope"]
    assert len({p.slug for p in plans}) == 40
    cesame = plans[0]
    assert cesame.sites[0][:3] == ("Reims — siège", "head_office", "Reims")
    assert any(s[1] == "branch" and s[3] == "08" for s in cesame.sites), "an Ardennes branch"
    assert (plans[1].sector, plans[2].sector) == ("construction", "personal_services")
    people = [person for plan in plans for person in plan.people]
    women = sum(p.gender == "F" for p in people) / len(people)
    assert 0.44 < women < 0.56
    stages = Counter(p.stage for p in people)
    assert stages[Stage.CESA] + stages[Stage.ASSOCIATE] > len(people) / 4
    assert stages[Stage.FOLLOW_UP] + stages[Stage.CAPE] > len(people) / 3
    assert stages[Stage.EXITED] > 0
    situations = Counter(p.entry_situation for p in people)
    assert situations.most_common(1)[0][0] == "job_seeker"
    for plan in plans:
        assert siren.is_valid(plan.siren) and siret.is_valid(plan.siret)


@pytest.mark.django_db
def test_command_builds_the_network_and_logins_work(world):
    from django.test import Client

    from tenants.people.models import Entrepreneur, Site

    call_command("demo", cooperatives=4, entrepreneurs=6, seed=3)
    cesame = Cooperative.objects.get(slug="cesame")
    assert Cooperative.objects.filter(slug__in=["batisseurs", "kaleidoscope"]).count() == 2
    with tenant_context(cesame):
        assert Site.objects.filter(kind="head_office", city="Reims").exists()
        assert Entrepreneur.objects.count() == 12
    call_command("demo", cooperatives=4, entrepreneurs=6, seed=3)  # re-running skips what exists
    assert Cooperative.objects.filter(slug="cesame").count() == 1

    logins = demo_logins()
    assert ("direction@cesame.demo", "Direction — CESAME") in logins["users"]
    client = Client(HTTP_HOST="cesame.localhost")
    response = client.post("/connexion/", {"username": "direction@cesame.demo", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    network = Client(HTTP_HOST="localhost")
    assert network.post("/connexion/", {"username": "reseau@essaim.coop", "password": DEMO_PASSWORD}).status_code == 302
    # A CESAME login does not open another CAE.
    other = Client(HTTP_HOST="batisseurs.localhost")
    assert other.post("/connexion/", {"username": "direction@cesame.demo", "password": DEMO_PASSWORD}).status_code == 200


@pytest.mark.django_db
def test_demo_invoices_are_consistent(world):
    from tenants.activity.models import Invoice
    from tenants.activity.services import LineInput, invoice_create_draft, invoice_finalise

    call_command("demo", cooperatives=1, entrepreneurs=20, seed=5, as_of="2026-11-01")
    cesame = Cooperative.objects.get(slug="cesame")
    with tenant_context(cesame):
        issued = list(Invoice.objects.filter(status="finalised").order_by("number"))
        assert issued, "the demo issues invoices"
        numbers_2026 = [i.number for i in issued if i.number.startswith("F2026-")]
        assert numbers_2026 == [f"F2026-{n:05d}" for n in range(1, len(numbers_2026) + 1)]
        dates = [i.issued_on for i in issued if i.number.startswith("F2026-")]
        assert dates == sorted(dates), "numbers follow dates"
        assert all(i.total_incl_vat == sum(line.amount for line in i.lines.all()) * 6 / 5 for i in issued)
        # the next real invoice continues the series
        first = issued[-1]
        nxt = invoice_create_draft(entrepreneur=first.entrepreneur, customer=first.customer,
                                   lines=[LineInput("Suite", "1", "100")], acting_user=TEST_ACTOR)
        assert invoice_finalise(invoice=nxt,
                                acting_user=TEST_ACTOR).number == f"F2026-{len(numbers_2026) + 1:05d}"


@pytest.mark.django_db
def test_demo_invoices_live_on_and_the_books_agree(world):
    """Payments (on time, late, in part, not yet), credit notes, quotes and expense claims in
    every state; CESAME's revenue in line with the seeds (85 entrepreneurs, about 200 k€ a
    year); the journal balances and the activity accounts agree with it."""
    from datetime import date, timedelta
    from decimal import Decimal

    from django.db.models import F, Sum

    from tenants.activity.account import account_statement
    from tenants.activity.models import ExpenseClaim, Invoice, Payment, Quote
    from tenants.activity.services import invoice_payment_state
    from tenants.ledger.models import EntryLine

    ref = date(2026, 11, 1)
    call_command("demo", cooperatives=1, entrepreneurs=40, seed=2026, as_of=ref.isoformat())
    cesame = Cooperative.objects.get(slug="cesame")
    with tenant_context(cesame):
        invoices = list(Invoice.objects.filter(kind="invoice", status="finalised"))
        states = Counter(invoice_payment_state(i, today=ref) for i in invoices)
        assert states["paid"] > len(invoices) / 2 and states["overdue"] > 0 and states["open"] > 0, states
        assert Payment.objects.filter(amount__lt=F("invoice__total_incl_vat")).exists(), "some paid in part"
        assert Invoice.objects.filter(kind="credit_note", status="finalised").count() >= 1
        assert {q.status for q in Quote.objects.all()} >= {"sent", "accepted", "refused"}
        assert {c.status for c in ExpenseClaim.objects.all()} >= {"submitted", "approved", "rejected"}
        year = Invoice.objects.filter(kind="invoice", status="finalised", issued_on__gt=ref - timedelta(days=365))
        revenue = year.aggregate(s=Sum("total_excl_vat"))["s"]
        assert Decimal("120000") < revenue < Decimal("320000"), revenue
        totals = EntryLine.objects.aggregate(d=Sum("debit"), c=Sum("credit"))
        assert totals["d"] == totals["c"]
        for person in {i.entrepreneur for i in invoices if i.issued_on.year == ref.year}:
            months = account_statement(entrepreneur=person, year=ref.year)
            revenue = EntryLine.objects.filter(account__in=["706", "707"], entry__entrepreneur=person,
                                               entry__date__year=ref.year).aggregate(c=Sum("credit"), d=Sum("debit"))
            assert revenue["c"] - revenue["d"] == sum(m.invoiced for m in months), person
    # The CAEs in setup are mentored and their tasks point to the library's guides.
    from network.onboarding.models import ProjectMember, SetupProject, Task

    meuse = SetupProject.objects.get(slug="vallee-meuse")
    assert meuse.members.filter(role=ProjectMember.Role.MENTOR, user__email="direction@cesame.demo").exists()
    assert Task.objects.filter(project=meuse, resource__isnull=False).count() >= 3
    assert Task.objects.filter(project=meuse, owner__isnull=True).count() == 0
