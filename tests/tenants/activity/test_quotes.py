"""Quotes (devis): drafts editable, sending numbers them in their own gapless series and freezes
them, accepted or refused, expired past their validity; an accepted quote becomes an invoice
draft once, with the same lines and totals; nobody reaches another activity's or CAE's quotes."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from essaim.core.errors import AppError
from tenants.activity.models import Invoice, NumberSeries, Quote
from tenants.activity.quotes import (
    quote_accept,
    quote_convert,
    quote_create,
    quote_delete,
    quote_refuse,
    quote_send,
    quote_update_draft,
)
from tenants.activity.selectors import quotes_filter
from tenants.activity.services import LineInput, invoice_delete, invoice_finalise
from tests.conftest import client_for, host_of, tenant_context
from tests.factories import TEST_ACTOR, make_customer, make_person

pytestmark = pytest.mark.django_db

LINES = [LineInput("Conception graphique", "3", "333.33"), LineInput("Impression", "2.5", "19.99", "5.50", "heure"),
         LineInput("Formation", "1", "800", "0.00")]
MENTION = "Exonération de TVA, art. 261-4-4° du CGI"


@pytest.fixture
def activity(in_cae_a):
    person = make_person()
    return person, make_customer(person, name="Boulangerie Dupont")


def draft(person, customer, lines=None, **kwargs):
    return quote_create(entrepreneur=person, customer=customer, lines=LINES[:1] if lines is None else lines,
                        acting_user=TEST_ACTOR, **kwargs)


def test_lifecycle_numbering_and_conversion_to_the_cent(activity):
    person, customer = activity
    today = date.today()
    quote = draft(person, customer, subject="Identité visuelle")
    assert quote.status == Quote.Status.DRAFT and quote.number is None
    quote = quote_update_draft(quote=quote, lines=LINES, exemption_mention=MENTION, subject="Identité et formation",
                               acting_user=TEST_ACTOR)
    assert quote.lines.count() == 3
    # 999.99 at 20 % + 49.98 (2.5 × 19.99 = 49.975 → 49.98) at 5.5 % + 800 exempt
    assert (quote.total_excl_vat, quote.total_vat, quote.total_incl_vat) == (
        Decimal("1849.97"), Decimal("202.75"), Decimal("2052.72"))
    sent = quote_send(quote=quote, on=today, acting_user=TEST_ACTOR)
    assert sent.number == f"D{today.year}-00001" and sent.valid_until == today + timedelta(days=30)
    assert sent.state() == Quote.Status.SENT
    second = quote_send(quote=draft(person, customer, valid_until=today + timedelta(days=10)), on=today,
                        acting_user=TEST_ACTOR)
    assert second.number == f"D{today.year}-00002" and second.valid_until == today + timedelta(days=10)
    assert NumberSeries.objects.get(key=f"D-{today.year}").next_value == 3
    with pytest.raises(AppError, match="ne se modifie plus") as refused:
        quote_update_draft(quote=sent, lines=[LineInput("Autre", "1", "1")], acting_user=TEST_ACTOR)
    assert refused.value.code == "quote_not_draft"
    with pytest.raises(AppError, match="ne se supprime pas"):
        quote_delete(quote=sent, acting_user=TEST_ACTOR)
    with pytest.raises(AppError, match="déjà envoyé"):
        quote_send(quote=sent, acting_user=TEST_ACTOR)
    with pytest.raises(AppError, match="Seul un devis accepté"):
        quote_convert(quote=sent, acting_user=TEST_ACTOR)
    sent.refresh_from_db()
    assert sent.lines.count() == 3 and sent.total_incl_vat == Decimal("2052.72")

    quote_accept(quote=sent, on=today, acting_user=TEST_ACTOR)
    invoice = quote_convert(quote=sent, acting_user=TEST_ACTOR)
    assert invoice.status == Invoice.Status.DRAFT and invoice.customer == customer and invoice.entrepreneur == person
    assert invoice.exemption_mention == MENTION
    assert [(line.description, line.quantity, line.unit, line.unit_price, line.vat_rate) for line in invoice.lines.all()] == [
        (line.description, line.quantity, line.unit, line.unit_price, line.vat_rate) for line in sent.lines.all()]
    assert (invoice.total_excl_vat, invoice.total_vat, invoice.total_incl_vat) == (
        sent.total_excl_vat, sent.total_vat, sent.total_incl_vat)
    sent.refresh_from_db()
    assert sent.invoice == invoice and invoice.quote == sent
    with pytest.raises(AppError, match="déjà été transformé en facture") as twice:
        quote_convert(quote=sent, acting_user=TEST_ACTOR)
    assert twice.value.code == "quote_already_converted"
    assert Invoice.objects.count() == 1
    with pytest.raises(AppError, match="déjà accepté"):
        quote_refuse(quote=sent, acting_user=TEST_ACTOR)
    issued = invoice_finalise(invoice=invoice, on=today, acting_user=TEST_ACTOR)
    assert issued.total_incl_vat == Decimal("2052.72")

    quote_refuse(quote=second, on=today, acting_user=TEST_ACTOR)
    second.refresh_from_db()
    assert second.status == Quote.Status.REFUSED and second.decided_on == today
    with pytest.raises(AppError, match="Seul un devis accepté"):
        quote_convert(quote=second, acting_user=TEST_ACTOR)


def test_deleting_the_invoice_draft_frees_the_quote(activity):
    person, customer = activity
    quote = quote_accept(quote=quote_send(quote=draft(person, customer), acting_user=TEST_ACTOR),
                         acting_user=TEST_ACTOR)
    invoice_delete(invoice=quote_convert(quote=quote, acting_user=TEST_ACTOR), acting_user=TEST_ACTOR)
    quote.refresh_from_db()
    assert quote.invoice is None
    assert quote_convert(quote=quote, acting_user=TEST_ACTOR).total_incl_vat == quote.total_incl_vat


def test_expiry_is_computed_and_filtered(activity):
    person, customer = activity
    today = date.today()
    old = quote_send(quote=draft(person, customer), on=today - timedelta(days=40), acting_user=TEST_ACTOR)
    fresh = quote_send(quote=draft(person, customer), on=today, acting_user=TEST_ACTOR)
    assert old.state() == Quote.EXPIRED and old.status == Quote.Status.SENT
    assert fresh.state(today=today + timedelta(days=31)) == Quote.EXPIRED
    with pytest.raises(AppError, match="a expiré le") as expired:
        quote_accept(quote=old, acting_user=TEST_ACTOR)
    assert expired.value.code == "quote_expired"
    assert list(quotes_filter(Quote.objects.all(), state="expired")) == [old]
    assert list(quotes_filter(Quote.objects.all(), state="sent")) == [fresh]
    quote_refuse(quote=old, acting_user=TEST_ACTOR)  # an expired quote can still be marked refused
    with pytest.raises(AppError, match="précéder l'envoi"):
        quote_accept(quote=fresh, on=today - timedelta(days=1), acting_user=TEST_ACTOR)


def test_bad_input_is_refused_and_nothing_written(activity):
    person, customer = activity
    other = make_person(first_name="Paul", last_name="Autre")
    with pytest.raises(AppError, match="au moins une ligne") as empty:
        draft(person, customer, lines=[])
    assert empty.value.code == "quote_no_line"
    with pytest.raises(AppError, match="Ligne 2"):
        draft(person, customer, lines=[LineInput("ok", "1", "10"), LineInput("négatif", "1", "-5")])
    with pytest.raises(AppError, match="quantité ou prix invalide"):
        draft(person, customer, lines=[LineInput("x", "deux", "10")])
    with pytest.raises(AppError, match="mention légale"):
        draft(person, customer, lines=[LineInput("Formation", "1", "800", "0.00")])
    with pytest.raises(AppError, match="autre activité"):
        draft(other, customer)
    assert Quote.objects.count() == 0
    quote = draft(person, customer)
    with pytest.raises(AppError, match="précède"):
        quote_send(quote=draft(person, customer, valid_until=date.today() - timedelta(days=1)),
                   acting_user=TEST_ACTOR)
    with pytest.raises(AppError, match="quantité ou prix invalide"):
        quote_update_draft(quote=quote, lines=[LineInput("x", "1", "dix")], acting_user=TEST_ACTOR)
    quote.refresh_from_db()
    assert quote.lines.get().description == "Conception graphique" and quote.number is None
    assert not NumberSeries.objects.filter(key__startswith="D").exists()
    quote_send(quote=quote, on=date.today(), acting_user=TEST_ACTOR)
    with pytest.raises(AppError, match="chronologique"):
        quote_send(quote=draft(person, customer), on=date.today() - timedelta(days=3), acting_user=TEST_ACTOR)


def test_per_entrepreneur_numbering_policy_applies_to_quotes(activity):
    from tenants.activity.models import ActivitySettings

    person, customer = activity
    ActivitySettings.objects.update_or_create(pk=ActivitySettings.current().pk,
                                              defaults={"numbering": "per_entrepreneur"})
    assert quote_send(quote=draft(person, customer), acting_user=TEST_ACTOR).number == f"D-E{person.pk}-00001"


@pytest.fixture(scope="module")
def eight_drafts(world, django_db_blocker):
    """Committed drafts in a CAE of this module's own, for real parallel transactions."""
    from tests.conftest import _make_cooperative, drop_cooperative

    with django_db_blocker.unblock():
        cae = _make_cooperative("devis-numeros", "CAE Devis", 77777777)
        with tenant_context(cae):
            person = make_person()
            customer = make_customer(person)
            drafts = [draft(person, customer) for _ in range(8)]
    yield cae, drafts
    with django_db_blocker.unblock():
        drop_cooperative(cae)


def test_eight_concurrent_sends_no_gap_no_duplicate(eight_drafts, django_db_blocker):
    from tests.conftest import run_in_parallel

    cae, drafts = eight_drafts
    outcomes = run_in_parallel(lambda d: quote_send(quote=d, on=date(2026, 5, 4),
                                                    acting_user=TEST_ACTOR).number, drafts,
                               cooperative=cae, django_db_blocker=django_db_blocker)
    expected = [f"D2026-{n:05d}" for n in range(1, 9)]
    assert sorted(outcomes) == expected, outcomes
    with tenant_context(cae):
        assert sorted(Quote.objects.values_list("number", flat=True)) == expected


# -- pages --------------------------------------------------------------------------------------


@pytest.fixture
def setup(world):
    accounts_a = world.user("accounts_a")
    with tenant_context(world.cae_a):
        me = make_person(user=world.user("entrepreneur_a"))
        other = make_person(first_name="Paul", last_name="Autre")
        mine = make_customer(me, name="Client de Léa")
        theirs = make_customer(other, name="Client de Paul")
        their_quote = quote_send(quote=quote_create(entrepreneur=other, customer=theirs,
                                                    lines=[LineInput("Secret", "1", "999")],
                                                    acting_user=accounts_a),
                                 acting_user=accounts_a)
    return {"me": me, "mine": mine, "theirs": theirs, "their_quote": their_quote}


def _form(customer, **lines):
    data = {"customer": customer.pk, "operation": "services", "subject": "Site vitrine", "valid_until": "",
            "exemption_mention": "", "rows": "6"}
    return data | lines


def test_entrepreneur_drafts_edits_sends_accepts_and_converts(world, setup):
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    assert me.get("/activite/devis/nouveau/").status_code == 200
    response = me.post("/activite/devis/nouveau/", _form(setup["mine"], **{
        "line-0-description": "Site vitrine", "line-0-quantity": "1", "line-0-unit_price": "1200.00",
        "line-0-vat_rate": "20.00"}), follow=True)
    html = response.content.decode()
    assert "Total TTC 1440,00 €" in html and "Brouillon" in html
    pk = int(response.redirect_chain[-1][0].rstrip("/").split("/")[-1])
    edit = me.get(f"/activite/devis/{pk}/modifier/")
    assert edit.status_code == 200 and 'value="Site vitrine"' in edit.content.decode()
    response = me.post(f"/activite/devis/{pk}/modifier/", _form(setup["mine"], **{
        "line-0-description": "Site vitrine", "line-0-quantity": "1", "line-0-unit_price": "1200.00",
        "line-0-vat_rate": "20.00", "line-1-description": "Hébergement", "line-1-quantity": "12",
        "line-1-unit": "mois", "line-1-unit_price": "9.99", "line-1-vat_rate": "20.00"}), follow=True)
    assert "Total TTC 1583,86 €" in response.content.decode()  # (1200 + 119.88) × 1.2
    sent = me.post(f"/activite/devis/{pk}/action/", {"action": "send"}, follow=True)
    assert f"Devis envoyé sous le numéro D{date.today().year}-" in sent.content.decode()
    refused_edit = me.get(f"/activite/devis/{pk}/modifier/", follow=True)
    assert "ne se modifie plus" in refused_edit.content.decode()
    assert me.post(f"/activite/devis/{pk}/modifier/", _form(setup["mine"], **{
        "line-0-description": "Changé", "line-0-quantity": "1", "line-0-unit_price": "1"})).status_code == 302
    with tenant_context(world.cae_a):
        assert Quote.objects.get(pk=pk).lines.filter(description="Changé").count() == 0
    pdf = me.get(f"/activite/devis/{pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    me.post(f"/activite/devis/{pk}/action/", {"action": "accept"})
    converted = me.post(f"/activite/devis/{pk}/action/", {"action": "convert"}, follow=True)
    assert "Facture créée en brouillon" in converted.content.decode()
    assert "Total TTC 1583,86 €" in converted.content.decode()
    with tenant_context(world.cae_a):
        quote_number = Quote.objects.get(pk=pk).number
    assert f"Issue du devis <a href=\"/activite/devis/{pk}/\">{quote_number}</a>" in converted.content.decode()
    again = me.post(f"/activite/devis/{pk}/action/", {"action": "convert"}, follow=True)
    assert "déjà été transformé en facture" in again.content.decode()
    with tenant_context(world.cae_a):
        quote = Quote.objects.get(pk=pk)
        assert Invoice.objects.filter(entrepreneur=setup["me"]).count() == 1
        assert quote.invoice.total_incl_vat == quote.total_incl_vat == Decimal("1583.86")
    listing = me.get("/activite/devis/?state=accepted").content.decode()
    assert quote.number in listing and "Secret" not in listing
    assert quote.number not in me.get("/activite/devis/?state=refused").content.decode()
    assert quote.number in me.get("/activite/devis/?q=vitrine").content.decode()


def test_bad_form_is_explained_and_nothing_written(world, setup):
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    response = me.post("/activite/devis/nouveau/", _form(setup["mine"], **{
        "line-0-description": "Site", "line-0-quantity": "un", "line-0-unit_price": "1200"}))
    html = response.content.decode()
    assert response.status_code == 400 and "quantité ou prix invalide" in html
    assert 'value="un"' in html  # the row is shown again as typed
    bad_date = me.post("/activite/devis/nouveau/", _form(setup["mine"], valid_until="31/02/2026", **{
        "line-0-description": "Site", "line-0-quantity": "1", "line-0-unit_price": "1200"}))
    assert bad_date.status_code == 400 and "erreurs" in bad_date.content.decode()
    no_line = me.post("/activite/devis/nouveau/", _form(setup["mine"]))
    assert no_line.status_code == 400 and "au moins une ligne" in no_line.content.decode()
    theirs = me.post("/activite/devis/nouveau/", _form(setup["theirs"], **{
        "line-0-description": "x", "line-0-quantity": "1", "line-0-unit_price": "1"}))
    assert theirs.status_code == 400  # not a choice for this entrepreneur
    with tenant_context(world.cae_a):
        assert Quote.objects.count() == 1  # only the other activity's quote


def test_another_entrepreneur_of_the_same_cae_gets_404(world, setup):
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    pk = setup["their_quote"].pk
    for path in (f"/activite/devis/{pk}/", f"/activite/devis/{pk}/pdf/", f"/activite/devis/{pk}/modifier/"):
        assert me.get(path).status_code == 404, path
    assert me.post(f"/activite/devis/{pk}/action/", {"action": "accept"}).status_code == 404
    assert "Secret" not in me.get("/activite/devis/").content.decode()
    with tenant_context(world.cae_a):
        assert Quote.objects.get(pk=pk).status == Quote.Status.SENT
    staff = client_for(world.cae_a, world.user("counsellor_a"))
    assert "Client de Paul" in staff.get("/activite/devis/").content.decode()
    assert staff.get(f"/activite/devis/{pk}/").status_code == 200


def test_another_cae_gets_nothing(world, setup):
    pk = setup["their_quote"].pk
    paths = (f"/activite/devis/{pk}/", f"/activite/devis/{pk}/pdf/", f"/activite/devis/{pk}/modifier/")
    for user in ("director_b", "entrepreneur_b"):
        client = client_for(world.cae_b, world.user(user))
        for path in paths:
            assert client.get(path).status_code == 404, (user, path)
        assert client.post(f"/activite/devis/{pk}/action/", {"action": "refuse"}).status_code == 404
        listing = client.get("/activite/devis/")
        assert listing.status_code == 200 and "Client de Paul" not in listing.content.decode()
    # On CAE A's own host, B's director has no membership: refused, and none of A's data.
    intruder = Client(HTTP_HOST=host_of(world.cae_a))
    intruder.force_login(world.user("director_b"))
    for path in (*paths, "/activite/devis/", "/activite/devis/nouveau/"):
        response = intruder.get(path)
        assert response.status_code in (302, 403) and b"Secret" not in response.content
    posted = intruder.post("/activite/devis/nouveau/", _form(setup["theirs"], **{
        "line-0-description": "Intrus", "line-0-quantity": "1", "line-0-unit_price": "1"}))
    assert posted.status_code in (302, 403) and b"Client de Paul" not in posted.content
    assert intruder.post(f"/activite/devis/{pk}/action/", {"action": "refuse"}).status_code in (302, 403)
    with tenant_context(world.cae_a):
        assert Quote.objects.get(pk=pk).status == Quote.Status.SENT
        assert not Quote.objects.filter(lines__description="Intrus").exists()


def test_the_list_makes_the_same_queries_for_3_or_12_quotes(world, setup):
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    me = client_for(world.cae_a, world.user("counsellor_a"))

    def queries() -> int:
        with CaptureQueriesContext(connections["default"]) as ctx:
            assert me.get("/activite/devis/").status_code == 200
        return len(ctx.captured_queries)

    with tenant_context(world.cae_a):
        for _ in range(2):
            draft(setup["me"], setup["mine"])
    few = queries()
    with tenant_context(world.cae_a):
        for _ in range(9):
            quote_send(quote=draft(setup["me"], setup["mine"]), acting_user=world.user("accounts_a"))
    assert queries() == few


def test_junk_posted_to_the_pages_is_refused_in_french_without_a_500(world, setup):
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    me.raise_request_exception = False
    # A NUL byte (PostgreSQL text cannot hold it) in the search or in a line: explained, nothing written.
    assert me.get("/activite/devis/", {"q": "Cli\x00ent"}).status_code == 400
    nul = me.post("/activite/devis/nouveau/", _form(setup["mine"], **{
        "line-0-description": "Site\x00", "line-0-quantity": "1", "line-0-unit_price": "1200"}))
    assert nul.status_code == 400 and "« line-0-description »" in nul.content.decode()
    with tenant_context(world.cae_a):
        assert Quote.objects.count() == 1
        mine = draft(setup["me"], setup["mine"])
    # The page acts today: a posted date (here one whose validity would overflow the calendar) is ignored.
    sent = me.post(f"/activite/devis/{mine.pk}/action/", {"action": "send", "on": "9999-12-31"})
    assert sent.status_code == 302
    with tenant_context(world.cae_a):
        mine.refresh_from_db()
        assert mine.status == Quote.Status.SENT and mine.issued_on == date.today()
