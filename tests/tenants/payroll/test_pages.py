"""Payroll pages through HTTP: the payroll staff run the month, employees see their own payslips
and summary, the simulator; nobody reaches another person's pay or another CAE's."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from essaim.payrates.selectors import rates_for
from tenants.payroll.engine import Ytd, gross_for_envelope
from tenants.payroll.models import PayrollLine, PayrollRun, PayslipDocument
from tenants.payroll.runs import payroll_run_check, payroll_run_close, payroll_run_create
from tenants.payroll.selectors import payroll_settings_engine
from tenants.payroll.tasks import payslips_render
from tests.conftest import client_for, tenant_context

from .cesa import cesa_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def pay(world):
    """In CAE A: Léa (the entrepreneur_a login) and Paul on a CESA; January closed, February draft."""
    accounts_a = world.user("accounts_a")
    with tenant_context(world.cae_a):
        lea = cesa_person(first_name="Léa", user=world.user("entrepreneur_a"), revenue=[(date(2026, 1, 5), 8000)])
        paul = cesa_person(first_name="Paul", last_name="Secret", revenue=[(date(2026, 1, 5), 100)])
        january = payroll_run_create(month="2026-01", acting_user=accounts_a)
        payroll_run_check(run=january, acting_user=accounts_a)
        payroll_run_close(run=january, render_payslips=False, acting_user=accounts_a)
        february = payroll_run_create(month="2026-02", acting_user=accounts_a)
        lines = {(line.run.month.month, line.entrepreneur_id): line
                 for line in PayrollLine.objects.select_related("run")}
    return {"lea": lea, "paul": paul, "january": january, "february": february,
            "lea_jan": lines[(1, lea.pk)], "paul_jan": lines[(1, paul.pk)], "lea_feb": lines[(2, lea.pk)]}


def test_staff_create_check_close_and_download(world, pay, django_capture_on_commit_callbacks):
    staff = client_for(world.cae_a, world.user("accounts_a"))
    page = staff.get("/paie/").content.decode()
    assert "janvier 2026" in page.lower() and "Clôturée" in page
    created = staff.post("/paie/", {"month": "2026-03", "variable_share": "10"}, follow=True)
    assert "Paie de 03/2026 calculée" in created.content.decode()
    with tenant_context(world.cae_a):
        march = PayrollRun.objects.get(month=date(2026, 3, 1))
    assert march.variable_share == Decimal("10.00")
    feb = pay["february"].pk
    assert "Secret" in staff.get(f"/paie/{feb}/").content.decode()
    staff.post(f"/paie/{feb}/action/", {"action": "check"})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        closed = staff.post(f"/paie/{feb}/action/", {"action": "close"}, follow=True)
    assert "Paie clôturée" in closed.content.decode()
    assert len(callbacks) == 1, "the payslips are queued once the closing is committed"
    with tenant_context(world.cae_a):
        assert payslips_render.run(feb) == 2
        assert payslips_render.run(feb) == 0, "idempotent"
        document = PayslipDocument.objects.get(line=pay["lea_feb"])
    path = Path(document.path)
    assert path.parent == Path(settings.MEDIA_ROOT) / "payslips" / world.cae_a.schema_name
    assert "Martin" not in path.name and len(path.stem) >= 30
    pdf = staff.get(f"/paie/bulletins/{pay['lea_feb'].pk}/pdf/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content) == path.read_bytes()
    csv = staff.get(f"/paie/{feb}/cotisations/?format=csv")
    text = csv.content.decode()
    assert csv["Content-Type"].startswith("text/csv") and text.startswith("mois;organisme;")
    assert "urssaf;" in text and "agirc_arrco;" in text and "unemployment;" in text and "rgdu" in text
    assert "Total URSSAF" in staff.get(f"/paie/{feb}/cotisations/").content.decode()


def test_staff_preview_an_open_payslip_and_adjust_with_a_reason(world, pay):
    staff = client_for(world.cae_a, world.user("director_a"))
    line = pay["lea_feb"].pk
    preview = staff.get(f"/paie/bulletins/{line}/pdf/")
    assert preview.status_code == 200 and preview.content.startswith(b"%PDF")
    with tenant_context(world.cae_a):
        assert not PayslipDocument.objects.exists(), "a preview is not stored"
    page = staff.get(f"/paie/lignes/{line}/").content.decode()
    assert "Allègement de cotisations" in page and "Net à payer avant impôt" in page
    bad = staff.post(f"/paie/lignes/{line}/", {"gross": "deux mille", "reason": "Prime"})
    assert bad.status_code == 400 and "Brut invalide" in bad.content.decode()
    missing = staff.post(f"/paie/lignes/{line}/", {"gross": "2000", "reason": ""})
    assert missing.status_code == 400 and "motif" in missing.content.decode()
    with tenant_context(world.cae_a):
        assert PayrollLine.objects.get(pk=line).gross == Decimal("1823.03")
    ok = staff.post(f"/paie/lignes/{line}/", {"gross": "2000,00", "reason": "Prime"}, follow=True)
    assert "Brut ajusté" in ok.content.decode()
    closed_line = staff.get(f"/paie/lignes/{pay['lea_jan'].pk}/").content.decode()
    assert "Ajuster le brut" not in closed_line


def test_bad_run_form_is_explained_and_writes_nothing(world, pay):
    staff = client_for(world.cae_a, world.user("accounts_a"))
    for data, message in (({"month": "2026-02"}, "existe déjà"), ({"month": "mars"}, "Mois invalide"),
                          ({"month": "2026-04", "variable_share": "150"}, "part variable"),
                          ({"month": "2019-04"}, "Aucun barème")):
        response = staff.post("/paie/", data)
        assert response.status_code == 400 and message in response.content.decode(), data
    with tenant_context(world.cae_a):
        assert PayrollRun.objects.count() == 2
    unknown = staff.post(f"/paie/{pay['february'].pk}/action/", {"action": "explode"}, follow=True)
    assert "Action inconnue" in unknown.content.decode()
    closed = staff.post(f"/paie/{pay['january'].pk}/action/", {"action": "recompute"}, follow=True)
    assert "clôturée" in closed.content.decode()


def test_withholding_rates_page(world, pay):
    staff = client_for(world.cae_a, world.user("accounts_a"))
    bad = staff.post("/paie/taux-pas/", {"entrepreneur": pay["lea"].pk, "effective_from": "2026-03", "rate": "75"})
    assert bad.status_code == 400 and "de 0 à 60 %" in bad.content.decode()
    nobody = staff.post("/paie/taux-pas/", {"entrepreneur": "999999", "effective_from": "2026-03", "rate": "5"})
    assert nobody.status_code == 400 and "Choisissez une personne" in nobody.content.decode()
    ok = staff.post("/paie/taux-pas/", {"entrepreneur": pay["lea"].pk, "effective_from": "2026-03", "rate": "4,2"},
                    follow=True)
    assert "Taux de 4,20 % enregistré pour Léa Martin à partir de 03/2026" in ok.content.decode()
    with tenant_context(world.cae_a):
        assert list(pay["lea"].withholding_rates.values_list("rate", flat=True)) == [Decimal("4.20")]
    assert client_for(world.cae_a, world.user("counsellor_a")).get("/paie/taux-pas/").status_code == 403


def test_withholding_pages_keep_a_filter_with_an_ampersand(world, pay):
    from tests.factories import make_person

    with tenant_context(world.cae_a):
        for i in range(51):
            make_person(first_name=f"Associé{i}", last_name="Durand & Fils")
    staff = client_for(world.cae_a, world.user("accounts_a"))
    page = staff.get("/paie/taux-pas/", {"q": "Durand & Fils"}).content.decode()
    assert "?q=Durand+%26+Fils&amp;page=2" in page


def test_an_entrepreneur_sees_only_their_own_closed_payslips(world, pay):
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    page = me.get("/paie/mes-bulletins/?annee=2026").content.decode()
    assert "janvier 2026" in page.lower() and "février" not in page.lower(), "February is not closed"
    assert "Secret" not in page
    own = me.get(f"/paie/bulletins/{pay['lea_jan'].pk}/pdf/")
    assert own.status_code == 200 and b"".join(own.streaming_content).startswith(b"%PDF")
    assert me.get(f"/paie/bulletins/{pay['paul_jan'].pk}/pdf/").status_code == 404
    assert me.get(f"/paie/bulletins/{pay['lea_feb'].pk}/pdf/").status_code == 404, "not closed yet"
    summary = me.get("/paie/recapitulatif/?annee=2026").content.decode()
    assert "Totaux par rubrique" in summary and "Retraite" in summary and "1823,03" in summary.replace(".", ",")
    for path in ("/paie/", f"/paie/{pay['january'].pk}/", f"/paie/lignes/{pay['lea_jan'].pk}/", "/paie/taux-pas/"):
        assert me.get(path).status_code == 403, path
    assert me.get(f"/paie/recapitulatif/{pay['paul'].pk}/").status_code == 404
    assert me.get(f"/paie/simulateur/{pay['paul'].pk}/").status_code == 404
    nav = me.get("/paie/mes-bulletins/").content.decode()
    assert "Mes bulletins" in nav and "Simulateur de salaire" in nav


def test_counsellors_do_not_see_pay(world, pay):
    counsellor = client_for(world.cae_a, world.user("counsellor_a"))
    assert counsellor.get("/paie/").status_code == 403
    assert counsellor.get(f"/paie/bulletins/{pay['lea_jan'].pk}/pdf/").status_code == 404
    assert counsellor.get(f"/paie/recapitulatif/{pay['lea'].pk}/").status_code == 404
    assert counsellor.get(f"/paie/simulateur/{pay['lea'].pk}/").status_code == 200, "coaching, not payslips"


def test_another_cae_gets_nothing(world, pay):
    other = client_for(world.cae_b, world.user("director_b"))
    run, line = pay["january"].pk, pay["lea_jan"].pk
    for path in (f"/paie/{run}/", f"/paie/{run}/cotisations/", f"/paie/{run}/cotisations/?format=csv",
                 f"/paie/lignes/{line}/", f"/paie/bulletins/{line}/pdf/", f"/paie/recapitulatif/{pay['lea'].pk}/",
                 f"/paie/simulateur/{pay['lea'].pk}/"):
        response = other.get(path)
        assert response.status_code == 404 and b"Martin" not in response.content, path
    assert other.post(f"/paie/{run}/action/", {"action": "check"}).status_code == 404
    assert other.post(f"/paie/lignes/{line}/", {"gross": "9999", "reason": "x"}).status_code == 404
    listing = other.get("/paie/").content.decode()
    assert "Aucune paie" in listing and "Martin" not in listing
    assert "Martin" not in other.get("/paie/taux-pas/").content.decode()
    entrepreneur_b = client_for(world.cae_b, world.user("entrepreneur_b"))
    assert entrepreneur_b.get(f"/paie/bulletins/{line}/pdf/").status_code == 404


def test_the_payslip_task_carries_the_schema_and_finds_nothing_in_another_cae(world, pay,
                                                                              django_capture_on_commit_callbacks):
    """What the worker sees: the message names CAE A's schema even when the commit happens after
    leaving it; the same run id in CAE B's schema finds nothing and writes nothing."""
    from essaim.celery import app
    from tests.platform.test_admin_and_beat import _drain

    feb = pay["february"].pk
    staff = client_for(world.cae_a, world.user("accounts_a"))
    staff.post(f"/paie/{feb}/action/", {"action": "check"})
    with app.connection_for_write() as conn:
        _drain(conn)
        with django_capture_on_commit_callbacks(execute=True):
            staff.post(f"/paie/{feb}/action/", {"action": "close"})
            connection.set_schema_to_public()  # the callbacks run outside the CAE's schema
        queued = [h for h in _drain(conn) if h["task"] == "tenants.payroll.tasks.payslips_render"]
    assert [(h["_schema_name"], h["argsrepr"]) for h in queued] == [(world.cae_a.schema_name, repr([feb]))]
    folder_b = Path(settings.MEDIA_ROOT) / "payslips" / world.cae_b.schema_name
    before_b = set(folder_b.glob("*")) if folder_b.exists() else set()
    assert payslips_render.apply(args=[feb], headers={"_schema_name": world.cae_b.schema_name}).get() == 0
    assert (set(folder_b.glob("*")) if folder_b.exists() else set()) == before_b
    with tenant_context(world.cae_a):
        assert not PayslipDocument.objects.exists()
    assert payslips_render.apply(args=[feb], headers={"_schema_name": world.cae_a.schema_name}).get() == 2
    assert payslips_render.apply(args=[feb], headers={"_schema_name": world.cae_a.schema_name}).get() == 0
    with tenant_context(world.cae_a):
        assert PayslipDocument.objects.filter(line__run_id=feb).count() == 2


def test_an_entrepreneur_of_another_cae_sees_their_own_pay_only(world, pay):
    with tenant_context(world.cae_b):
        zoe = cesa_person(first_name="Zoé", last_name="Autre", user=world.user("entrepreneur_b"))
    b = client_for(world.cae_b, world.user("entrepreneur_b"))
    for path in ("/paie/mes-bulletins/?annee=2026", "/paie/recapitulatif/?annee=2026"):
        # The page's content, not its header: the signed-in user's generated name may be anyone's.
        body = b.get(path).content.decode().split("<main", 1)[1]
        assert "Zoé" in body or "Aucun bulletin" in body, path
        assert "Martin" not in body and "1823,03" not in body and "1823.03" not in body, path
    simulated = b.get("/paie/simulateur/?montant=1900")
    assert simulated.status_code == 200 and b"Martin" not in simulated.content.split(b"<main", 1)[1]
    assert b.get(f"/paie/bulletins/{pay['lea_jan'].pk}/pdf/").status_code == 404
    # ids are per schema: Léa's id may be Zoé's in CAE B, and then it is Zoé's page
    response = b.get(f"/paie/simulateur/{pay['lea'].pk}/?montant=1900")
    assert response.status_code == (200 if zoe.pk == pay["lea"].pk else 404)
    assert b"Martin" not in response.content.split(b"<main", 1)[-1]


def test_digits_int_refuses_are_a_clear_answer_not_a_500(world, pay):
    """"²" passes str.isdigit() but int() refuses it."""
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    assert me.get("/paie/mes-bulletins/?annee=²").status_code == 200, "falls back to this year"
    assert me.get("/paie/recapitulatif/?annee=²").status_code == 200
    staff = client_for(world.cae_a, world.user("accounts_a"))
    assert staff.get(f"/paie/recapitulatif/{pay['lea'].pk}/?annee=²").status_code == 200
    months = me.get("/paie/simulateur/?montant=1900&mois=²")
    assert months.status_code == 400 and "1 à 60 mois" in months.content.decode()
    nobody = staff.post("/paie/taux-pas/", {"entrepreneur": "²", "effective_from": "2026-03", "rate": "5"})
    assert nobody.status_code == 400 and "Choisissez une personne" in nobody.content.decode()
    with tenant_context(world.cae_a):
        assert not pay["lea"].withholding_rates.exists()


def test_simulator_projects_the_account(world, pay):
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    page = me.get("/paie/simulateur/?mode=gross&montant=2000&mois=12")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "<polyline" in html and "tient" in html
    assert html.count("<circle") == 13
    envelope = me.get("/paie/simulateur/?mode=envelope&montant=2000").content.decode()
    today = date.today()
    # This month's pay as the run would compute it: after January, with January's closed payslip.
    jan = pay["lea_jan"]
    ytd = (Ytd(gross=jan.gross, smic_reference=jan.smic_reference, rgdu=jan.rgdu)
           if (today.year, today.month) > (2026, 1) and today.year == 2026 else Ytd())
    with tenant_context(world.cae_a):
        solved = gross_for_envelope(envelope=Decimal("2000"), rates=rates_for(today),
                                    settings=payroll_settings_engine(), ytd=ytd)
    assert f"{solved.gross} €".replace(".", ",") in envelope and f"{solved.cost} €".replace(".", ",") in envelope
    for query, message in (("mode=gross&montant=beaucoup", "Montant invalide"),
                           ("mode=gross&montant=-3", "Montant invalide"),
                           ("mode=gross&montant=2000&mois=99", "1 à 60 mois"),
                           ("mode=salaire&montant=2000", "Choisissez")):
        response = me.get(f"/paie/simulateur/?{query}")
        assert response.status_code == 400 and message in response.content.decode(), query
    staff = client_for(world.cae_a, world.user("accounts_a"))
    assert "Paul" in staff.get(f"/paie/simulateur/{pay['paul'].pk}/?montant=1900").content.decode()
    assert staff.get("/paie/simulateur/").status_code == 403, "staff pick a person"


def test_simulator_months_and_balance(world, pay):
    from tenants.payroll.simulator import simulate

    with tenant_context(world.cae_a):
        result = simulate(entrepreneur=pay["paul"], today=date(2026, 2, 10), gross="1823.03", months=6)
    assert result.monthly_change == result.average_margin - result.cost
    assert result.lasts_months == (0 if result.balance <= 0 else int(result.balance // -result.monthly_change))
    assert [value for _, value in result.projection] == [result.balance + result.monthly_change * k for k in range(7)]
    assert result.fixed_gross == Decimal("1823.03") and not result.below_fixed
    with tenant_context(world.cae_a):
        below = simulate(entrepreneur=pay["paul"], today=date(2026, 2, 10), gross="1500", months=6)
    assert below.below_fixed and below.fixed_gross == Decimal("1823.03")


def _count(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_have_pinned_query_counts(world, pay):
    staff = client_for(world.cae_a, world.user("accounts_a"))
    feb = pay["february"].pk
    counts = {path: _count(staff, path) for path in ("/paie/", f"/paie/{feb}/", "/paie/taux-pas/",
                                                      f"/paie/{feb}/cotisations/")}
    with tenant_context(world.cae_a):
        for i in range(4):
            cesa_person(first_name=f"Nouvelle{i}", last_name="Recrue")
        from tenants.payroll.runs import payroll_run_recompute

        payroll_run_recompute(run=pay["february"], acting_user=world.user("accounts_a"))
        assert pay["february"].lines.count() == 6
    assert {path: _count(staff, path) for path in counts} == counts
    assert counts["/paie/"] <= 12 and counts[f"/paie/{feb}/"] <= 16 and counts["/paie/taux-pas/"] <= 16, counts
