"""The payroll settings page (/paie/reglages/): the CAE's director and accounts set the head-count
band, the AT/MP rate and the health cover; bad input is refused in French naming the field and
writes nothing; nobody else, and no other CAE, reaches it."""

from decimal import Decimal

import pytest
from django.test import Client

from essaim.audit.models import AuditEntry
from tenants.payroll.engine import CaeSettings
from tenants.payroll.models import PayrollSettings
from tenants.payroll.selectors import payroll_settings_engine
from tenants.payroll.services import payroll_settings_update
from tests.conftest import client_for, host_of, tenant_context

pytestmark = pytest.mark.django_db
D = Decimal
URL = "/paie/reglages/"
VALID = {"headcount_band": "lt11", "atmp_rate": "1,37", "health_cover": "amount", "health_employer_amount": "31,50",
         "health_employee_amount": "12", "health_employer_rate": "", "health_employee_rate": ""}


def _stored(cooperative):
    with tenant_context(cooperative):
        return payroll_settings_engine()


@pytest.mark.parametrize("role", ["director_a", "accounts_a"])
def test_director_and_accounts_set_the_settings(world, role):
    client = client_for(world.cae_a, world.user(role))
    page = client.get(URL)
    html = page.content.decode()
    assert page.status_code == 200 and "Réglages de paie" in html
    assert "moyenne nationale du barème en vigueur (2,08 %)" in html
    done = client.post(URL, VALID, follow=True)
    assert "Réglages de paie enregistrés" in done.content.decode()
    assert _stored(world.cae_a) == CaeSettings(headcount_band="lt11", atmp_rate=D("0.0137"), health_cover="amount",
                                               health_employer=D("31.50"), health_employee=D("12.00"))
    shown = client.get(URL).content.decode()
    assert 'value="1,37"' in shown and 'value="31,50"' in shown
    assert 'value="lt11" selected' in shown and 'value="amount" checked' in shown
    with tenant_context(world.cae_a):
        entry = AuditEntry.objects.get(action="payroll_settings_update")
    assert entry.actor == world.user(role) and entry.details["atmp_rate"] == "1.37"
    # An empty AT/MP rate goes back to the table's national average.
    client.post(URL, VALID | {"atmp_rate": "", "health_cover": "pmss_rate", "health_employer_rate": "1,5"})
    stored = _stored(world.cae_a)
    assert stored.atmp_rate is None and (stored.health_cover, stored.health_employer) == ("pmss_rate", D("0.015"))


def test_the_payroll_pages_link_to_it(world):
    client = client_for(world.cae_a, world.user("accounts_a"))
    for path in ("/paie/", "/paie/taux-pas/"):
        assert f'href="{URL}"' in client.get(path).content.decode(), path


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"headcount_band": "12"}, "Effectif", "choisissez l'une des tranches"),
    ({"atmp_rate": "deux"}, "Taux AT/MP notifié (%)", "de 0 à 99,99"),
    ({"atmp_rate": "-1"}, "Taux AT/MP notifié (%)", "de 0 à 99,99"),
    ({"atmp_rate": "100"}, "Taux AT/MP notifié (%)", "de 0 à 99,99"),
    ({"atmp_rate": "1,234"}, "Taux AT/MP notifié (%)", "deux décimales"),
    ({"atmp_rate": "NaN"}, "Taux AT/MP notifié (%)", "de 0 à 99,99"),
    ({"health_cover": "mutuelle"}, "Complémentaire santé", "choisissez"),
    ({"health_employer_amount": "-5"}, "Complémentaire santé, part employeur (€ par mois)", "montant en euros"),
    ({"health_employee_amount": "1e9"}, "Complémentaire santé, part salariale (€ par mois)", "montant en euros"),
    ({"health_employer_amount": "0", "health_employee_amount": ""},
     "Complémentaire santé, part employeur (€ par mois)", "au moins une part"),
    ({"health_cover": "pmss_rate", "health_employer_rate": "120"},
     "Complémentaire santé, part employeur (% du PMSS)", "de 0 à 99,999"),
])
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(world, data, field, message):
    with tenant_context(world.cae_a):
        payroll_settings_update(atmp_rate=D("2.50"), acting_user=world.user("director_a"))
        count = AuditEntry.objects.filter(action="payroll_settings_update").count()
    before = _stored(world.cae_a)
    client = client_for(world.cae_a, world.user("director_a"))
    response = client.post(URL, VALID | data)
    html = response.content.decode()
    assert response.status_code == 400
    assert f"« {field} »".replace("'", "&#x27;") in html and message.replace("'", "&#x27;") in html
    assert 'aria-invalid="true"' in html
    assert _stored(world.cae_a) == before
    with tenant_context(world.cae_a):
        assert AuditEntry.objects.filter(action="payroll_settings_update").count() == count
        assert PayrollSettings.objects.count() == 1


@pytest.mark.parametrize("role", ["entrepreneur_a", "counsellor_a"])
def test_entrepreneurs_and_counsellors_are_refused(world, role):
    client = client_for(world.cae_a, world.user(role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, VALID).status_code == 403
    assert _stored(world.cae_a).headcount_band == "11_49"


def test_anonymous_is_sent_to_login(world):
    anonymous = Client(HTTP_HOST=host_of(world.cae_a))
    for response in (anonymous.get(URL), anonymous.post(URL, VALID)):
        assert response.status_code == 302 and response["Location"].startswith("/connexion/")
    assert _stored(world.cae_a).headcount_band == "11_49"


def test_each_cae_has_its_own_settings_and_sees_no_other(world):
    client_for(world.cae_a, world.user("director_a")).post(URL, VALID | {"atmp_rate": "4,44"})
    assert _stored(world.cae_a).atmp_rate == D("0.0444")
    other = client_for(world.cae_b, world.user("director_b"))
    page = other.get(URL).content.decode()
    assert "4,44" not in page and "31,50" not in page and 'value="11_49" selected' in page
    other.post(URL, VALID | {"atmp_rate": "0,90", "health_cover": "none"})
    assert _stored(world.cae_b).atmp_rate == D("0.0090")
    assert _stored(world.cae_a).atmp_rate == D("0.0444"), "CAE B's change stays in CAE B"
    # CAE B's director on CAE A's address: no membership there, so nothing to see or change.
    intruder = Client(HTTP_HOST=host_of(world.cae_a))
    intruder.force_login(world.user("director_b"))
    refused = intruder.get(URL)
    assert refused.status_code in (302, 403, 404) and b"4,44" not in refused.content
    assert intruder.post(URL, VALID | {"atmp_rate": "9"}).status_code in (302, 403, 404)
    assert _stored(world.cae_a).atmp_rate == D("0.0444")
