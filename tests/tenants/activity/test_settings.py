"""The CAE's invoicing settings: validated in French, nothing written on bad input; a change of
numbering policy takes effect on the 1 January of the first year with nothing numbered, so no
number is skipped or reused and each year is numbered under one policy; the page is for the
director and accounts of this CAE only."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, connections, transaction
from django.test import Client

from essaim.audit.models import AuditEntry
from essaim.core.errors import AppError
from tenants.activity.models import ActivitySettings, Invoice, NumberingChange, NumberSeries
from tenants.activity.policy import activity_settings_update, numbering_change_date, numbering_on
from tenants.activity.quotes import quote_create, quote_send
from tenants.activity.services import LineInput, invoice_create_draft, invoice_finalise
from tests.conftest import client_for, host_of, tenant_context
from tests.factories import TEST_ACTOR, make_customer, make_person

pytestmark = pytest.mark.django_db

VALID = {"numbering": "yearly", "contribution_basis": "invoiced", "late_penalty_rate": "12", "payment_days": "30"}


@pytest.fixture
def activity(in_cae_a):
    person = make_person()
    return person, make_customer(person, siren="732829320")


def issue(person, customer, on: date) -> Invoice:
    return invoice_finalise(invoice=invoice_create_draft(entrepreneur=person, customer=customer,
                                                         lines=[LineInput("Conseil", "1", "100")],
                                                         acting_user=TEST_ACTOR), on=on,
                            acting_user=TEST_ACTOR)


def update(today: date, **fields):
    return activity_settings_update(**(VALID | fields), today=today, acting_user=TEST_ACTOR)


def test_the_terms_are_saved_and_apply_to_documents_issued_from_then(activity):
    person, customer = activity
    first = issue(person, customer, date(2026, 3, 2))
    result = update(date(2026, 3, 5), contribution_basis="collected", late_penalty_rate="10,5", payment_days="45")
    settings = ActivitySettings.current()
    assert (settings.contribution_basis, settings.late_penalty_rate, settings.payment_days) == (
        "collected", Decimal("10.50"), 45)
    assert result.numbering_from is None  # the numbering did not change
    second = issue(person, customer, date(2026, 3, 6))
    assert second.due_on == date(2026, 4, 20) and second.issued_as["terms"]["late_penalty_rate"] == "10.50"
    first.refresh_from_db()
    assert first.due_on == date(2026, 4, 1) and first.issued_as["terms"]["late_penalty_rate"] == "12.00"
    (entry,) = AuditEntry.objects.filter(action="activity_settings_update")
    assert entry.details["changed"]["payment_days"] == [30, 45]


@pytest.mark.parametrize(
    ("fields", "code", "message"),
    [
        ({"numbering": "mensuelle"}, "numbering_invalid", "Numérotation des factures : choisissez"),
        ({"numbering": ""}, "numbering_invalid", "Numérotation des factures : choisissez"),
        ({"contribution_basis": "brut"}, "contribution_basis_invalid", "Assiette de la contribution : choisissez"),
        ({"late_penalty_rate": "douze"}, "late_penalty_rate_invalid", "Taux des pénalités de retard : indiquez"),
        ({"late_penalty_rate": ""}, "late_penalty_rate_invalid", "Taux des pénalités de retard : indiquez"),
        ({"late_penalty_rate": "0"}, "late_penalty_rate_out_of_range", "Taux des pénalités de retard : un pourcentage"),
        ({"late_penalty_rate": "-3"}, "late_penalty_rate_out_of_range", "supérieur à 0"),
        ({"late_penalty_rate": "100.01"}, "late_penalty_rate_out_of_range", "au plus 100 %"),
        ({"late_penalty_rate": "NaN"}, "late_penalty_rate_out_of_range", "Taux des pénalités de retard"),
        ({"late_penalty_rate": "12.345"}, "late_penalty_rate_invalid", "au centième de point près"),
        ({"payment_days": "61"}, "payment_days_out_of_range", "Délai de paiement : 60 jours au plus"),
        ({"payment_days": "-1"}, "payment_days_invalid", "Délai de paiement : un nombre entier"),
        ({"payment_days": "trente"}, "payment_days_invalid", "Délai de paiement : un nombre entier"),
        ({"payment_days": "٣٠"}, "payment_days_invalid", "Délai de paiement : un nombre entier"),
        ({"payment_days": ""}, "payment_days_invalid", "Délai de paiement : un nombre entier"),
    ],
)
def test_bad_settings_are_refused_in_french_and_nothing_written(in_cae_a, fields, code, message):
    # Every field changed but the bad one: none of them may be written.
    good = {"numbering": "continuous", "contribution_basis": "collected", "late_penalty_rate": "9",
            "payment_days": "15"}
    with pytest.raises(AppError, match=message) as refused:
        activity_settings_update(**(good | fields), today=date(2026, 5, 1), acting_user=TEST_ACTOR)
    assert refused.value.code == code and refused.value.field == next(iter(fields))
    settings = ActivitySettings.current()
    assert (settings.numbering, settings.contribution_basis, settings.late_penalty_rate, settings.payment_days) == (
        "yearly", "invoiced", Decimal("12.00"), 30)
    assert not NumberingChange.objects.exists() and not AuditEntry.objects.filter(
        action="activity_settings_update").exists()


def test_with_nothing_numbered_this_year_a_new_policy_applies_at_once(activity):
    person, customer = activity
    issue(person, customer, date(2025, 11, 3))  # last year: F2025-00001
    result = update(date(2026, 2, 10), numbering="continuous")
    assert result.numbering_from == date(2026, 1, 1)
    assert numbering_on(date(2025, 12, 31)) == "yearly" and numbering_on(date(2026, 1, 1)) == "continuous"
    assert issue(person, customer, date(2026, 2, 10)).number == "F-00001"
    # A document dated last year still takes last year's policy (and its series' next number).
    assert issue(person, customer, date(2025, 12, 30)).number == "F2025-00002"


def test_once_something_is_numbered_this_year_the_change_waits_for_1_january(activity):
    person, customer = activity
    assert issue(person, customer, date(2026, 3, 2)).number == "F2026-00001"
    result = update(date(2026, 6, 1), numbering="continuous")
    assert result.numbering_from == date(2027, 1, 1)
    # The rest of 2026 goes on in its series: nothing skipped, nothing restarted.
    assert issue(person, customer, date(2026, 6, 2)).number == "F2026-00002"
    assert issue(person, customer, date(2026, 12, 31)).number == "F2026-00003"
    assert issue(person, customer, date(2027, 1, 4)).number == "F-00001"
    # Back to one series a year, decided in 2027 once 2027 has a number: from 2028.
    assert update(date(2027, 2, 1), numbering="yearly").numbering_from == date(2028, 1, 1)
    assert issue(person, customer, date(2027, 3, 1)).number == "F-00002"
    assert issue(person, customer, date(2028, 1, 3)).number == "F2028-00001"
    # And continuous again from 2029: the continuous series resumes, it never restarts at 1.
    update(date(2028, 2, 1), numbering="continuous")
    assert issue(person, customer, date(2029, 1, 2)).number == "F-00003"
    numbers = list(Invoice.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 7
    assert list(NumberingChange.objects.values_list("valid_from", "numbering")) == [
        (date(2027, 1, 1), "continuous"), (date(2028, 1, 1), "yearly"), (date(2029, 1, 1), "continuous")]


def test_a_sent_quote_or_a_future_dated_invoice_also_holds_the_year(activity):
    person, customer = activity
    quote_send(quote=quote_create(entrepreneur=person, customer=customer, lines=[LineInput("Devis", "1", "10")],
                                  acting_user=TEST_ACTOR),
               on=date(2026, 4, 1), acting_user=TEST_ACTOR)
    assert numbering_change_date(date(2026, 5, 1)) == date(2027, 1, 1)
    issue(person, customer, date(2027, 1, 2))  # issued ahead of time
    assert update(date(2026, 5, 1), numbering="per_entrepreneur").numbering_from == date(2028, 1, 1)
    assert issue(person, customer, date(2027, 1, 5)).number == "F2027-00002"


def test_a_scheduled_change_can_be_replaced_or_withdrawn_before_it_applies(activity):
    person, customer = activity
    issue(person, customer, date(2026, 3, 2))
    update(date(2026, 6, 1), numbering="continuous")
    update(date(2026, 7, 1), numbering="per_entrepreneur")
    assert list(NumberingChange.objects.values_list("valid_from", "numbering")) == [(date(2027, 1, 1),
                                                                                     "per_entrepreneur")]
    update(date(2026, 8, 1), numbering="yearly")  # back to the policy in force: nothing scheduled
    assert not NumberingChange.objects.exists()
    assert issue(person, customer, date(2027, 1, 4)).number == "F2027-00001"


def test_the_database_refuses_a_change_dated_otherwise_than_1_january(in_cae_a):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        NumberingChange.objects.create(valid_from=date(2026, 7, 1), numbering="continuous")


@pytest.fixture(scope="module")
def committed_draft(world, django_db_blocker):
    """A committed draft in a CAE of this module's own, for a transaction in another thread."""
    from tests.conftest import _make_cooperative, drop_cooperative

    with django_db_blocker.unblock():
        cae = _make_cooperative("reglages", "CAE Réglages", 77777777)
        with tenant_context(cae):
            ActivitySettings.current()
            person = make_person()
            customer = make_customer(person, siren="732829320")
            draft = invoice_create_draft(entrepreneur=person, customer=customer, lines=[LineInput("A", "1", "1")],
                                         acting_user=TEST_ACTOR)
    yield cae, draft
    with django_db_blocker.unblock():
        drop_cooperative(cae)


def test_a_finalisation_under_way_holds_the_policy_until_it_commits(committed_draft, django_db_blocker):
    """Finalising reads the policy under a shared lock on the settings row: a change (which takes
    that row for update) cannot slip in between reading the policy and giving the number."""
    cae, draft = committed_draft
    numbered, release = threading.Event(), threading.Event()
    outcome = {}

    def finalise_and_hold():
        with django_db_blocker.unblock():
            try:
                with tenant_context(cae), transaction.atomic():
                    outcome["number"] = invoice_finalise(invoice=draft, on=date(2026, 5, 4),
                                                         acting_user=TEST_ACTOR).number
                    numbered.set()
                    release.wait(30)
                    transaction.set_rollback(True)  # leave the module's CAE as it was
            finally:
                numbered.set()
                connections.close_all()

    thread = threading.Thread(target=finalise_and_hold)
    thread.start()
    try:
        assert numbered.wait(30) and outcome.get("number") == "F2026-00001"
        with tenant_context(cae), pytest.raises(DatabaseError, match="lock"), transaction.atomic():
            ActivitySettings.objects.select_for_update(nowait=True).get()
    finally:
        release.set()
        thread.join(30)
    with tenant_context(cae), transaction.atomic():
        # Once it is over, the settings can be changed again.
        assert ActivitySettings.objects.select_for_update(nowait=True).get().numbering == "yearly"
        assert not NumberSeries.objects.filter(key="F-2026", next_value__gt=1).exists()


# -- the page -----------------------------------------------------------------------------------


def test_director_and_accounts_edit_the_settings_through_the_page(world):
    with tenant_context(world.cae_a):
        person = make_person()
        issue(person, make_customer(person, siren="732829320"), date.today())
    director = client_for(world.cae_a, world.user("director_a"))
    page = director.get("/activite/reglages/")
    assert page.status_code == 200 and "Une série par année" in page.content.decode()
    saved = director.post("/activite/reglages/", VALID | {"numbering": "continuous", "payment_days": "45",
                                                          "late_penalty_rate": "10,75"}, follow=True)
    html = saved.content.decode()
    next_year = date.today().year + 1
    assert "Réglages enregistrés" in html and f"à partir du 01/01/{next_year}" in html
    with tenant_context(world.cae_a):
        settings = ActivitySettings.current()
        assert (settings.payment_days, settings.late_penalty_rate) == (45, Decimal("10.75"))
        assert list(NumberingChange.objects.values_list("valid_from", "numbering")) == [
            (date(next_year, 1, 1), "continuous")]
    accounts = client_for(world.cae_a, world.user("accounts_a"))
    assert accounts.post("/activite/reglages/", VALID | {"numbering": "continuous", "payment_days": "20",
                                                         "late_penalty_rate": "10,75"}).status_code == 302
    with tenant_context(world.cae_a):
        assert ActivitySettings.current().payment_days == 20


@pytest.mark.parametrize(("field", "value", "message"), [
    ("payment_days", "90", "Délai de paiement : 60 jours au plus"),
    ("late_penalty_rate", "beaucoup", "Taux des pénalités de retard : indiquez un pourcentage"),
    ("numbering", "mensuelle", "Numérotation des factures : choisissez"),
    ("contribution_basis", "", "Assiette de la contribution : choisissez"),
])
def test_bad_input_on_the_page_is_explained_and_nothing_written(world, field, value, message):
    director = client_for(world.cae_a, world.user("director_a"))
    response = director.post("/activite/reglages/", VALID | {"payment_days": "15", field: value})
    assert response.status_code == 400 and message in response.content.decode()
    with tenant_context(world.cae_a):
        assert ActivitySettings.current().payment_days == 30 and not NumberingChange.objects.exists()


def test_the_page_is_refused_to_other_roles_and_to_the_other_cae(world):
    with tenant_context(world.cae_a):
        ActivitySettings.objects.update_or_create(pk=ActivitySettings.current().pk, defaults={"payment_days": 21})
    for role in ("entrepreneur_a", "counsellor_a"):
        client = client_for(world.cae_a, world.user(role))
        assert client.get("/activite/reglages/").status_code == 403
        assert client.post("/activite/reglages/", VALID).status_code == 403
    other = client_for(world.cae_b, world.user("director_b"))
    mine = other.get("/activite/reglages/")
    assert mine.status_code == 200 and 'value="21"' not in mine.content.decode()
    assert other.post("/activite/reglages/", VALID | {"payment_days": "10"}).status_code == 302
    intruder = Client(HTTP_HOST=host_of(world.cae_a))
    intruder.force_login(world.user("director_b"))
    assert intruder.get("/activite/reglages/").status_code in (302, 403)
    assert intruder.post("/activite/reglages/", VALID | {"payment_days": "5"}).status_code in (302, 403)
    with tenant_context(world.cae_a):
        assert ActivitySettings.current().payment_days == 21
    with tenant_context(world.cae_b):
        assert ActivitySettings.current().payment_days == 10
