"""Junk typed into the setup pages: a French message naming the rule, a page (never a 500), and
nothing written."""

from __future__ import annotations

import html

import pytest

from essaim.core.errors import AppError
from network.onboarding.launch import project_launch
from network.onboarding.models import Partner, SetupProject
from network.onboarding.selectors import plan_figures
from tests.conftest import client_for

from .conftest import make_ready

HUGE = "99999999999999999999999"


def _messages(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(("mentor", "message"), [("²", "CAE marraine inconnue."), (HUGE, "CAE marraine inconnue."),
                                                 ("abc", "CAE marraine inconnue.")])
def test_opening_a_project_with_an_unknown_mentor(world, db, mentor, message):
    client = client_for(None, world.user("network_staff"))
    response = client.post("/essaimage/nouveau/", {"name": "CAE Inconnue", "region": "44", "departments": "08",
                                                   "mentor": mentor}, follow=True)
    assert response.status_code == 200 and message in _messages(response)
    assert not SetupProject.objects.filter(name="CAE Inconnue").exists()


@pytest.mark.parametrize(("section", "data", "message"), [
    ("legal", {"statutes_adopted_on": "2026-02-30"}, "Date d'adoption des statuts : date invalide « 2026-02-30 »"),
    ("legal", {"registered_on": "demain"}, "Date d'immatriculation : date invalide « demain »"),
    ("legal", {"siren": "abcdefghi"}, "SIREN invalide"),
    ("legal", {"slug": "Sous Domaine!"}, "Le sous-domaine ne contient que des minuscules"),
    ("logistics", {"postal_code": "ABCDE"}, "Code postal à 5 chiffres."),
    ("logistics", {"other_sites": "Sedan ; ²²²²² ; antenne"}, "Autres lieux, ligne 1"),
    ("logistics", {"other_sites": "Sedan ; 08200 ; antenne\nSedan ; 08200 ; antenne"}, "« Sedan » figure déjà."),
    ("logistics", {"iban": "FR00 1234"}, "IBAN invalide"),
    ("feasibility", {"expected_entrepreneurs": "-3"}, "Entrepreneurs attendus : entre 0 et 100000."),
    ("feasibility", {"expected_entrepreneurs": "beaucoup"}, "Entrepreneurs attendus : nombre entier attendu."),
])
def test_record_junk_is_refused(project, founder, section, data, message):
    before = SetupProject.objects.filter(pk=project.pk).values().get()
    response = client_for(None, founder).post(f"/essaimage/{project.pk}/fiche/{section}/", data, follow=True)
    assert response.status_code == 200 and message in _messages(response)
    assert SetupProject.objects.filter(pk=project.pk).values().get() == before


@pytest.mark.parametrize(("data", "message"), [
    ({"amount_requested": HUGE}, "Montant demandé : montant trop élevé."),
    ({"amount_requested": "1e400"}, "Montant demandé : montant trop élevé."),
    ({"amount_requested": "NaN"}, "Montant demandé : montant invalide « NaN »."),
    ({"amount_committed": "-0,01"}, "Montant engagé : le montant ne peut pas être négatif."),
    ({"amount_committed": "12.5.3"}, "Montant engagé : montant invalide « 12.5.3 »."),
    ({"kind": ""}, "Type de partenaire inconnu."),
])
def test_partner_junk_is_refused(project, founder, data, message):
    post = {"kind": "cress", "name": "CRESS Grand Est", "status": "contacted"} | data
    response = client_for(None, founder).post(f"/essaimage/{project.pk}/partenaires/", post, follow=True)
    assert response.status_code == 200 and message in _messages(response)
    assert not Partner.objects.filter(project=project).exists()


@pytest.mark.parametrize(("data", "message"), [
    ({"first_year": "2026-02-30"}, "Première année : nombre entier attendu."),
    ({"first_year": HUGE}, "Première année : entre 2000 et 2100."),
    ({"opening_cash": "beaucoup"}, "Trésorerie de départ : montant invalide « beaucoup »."),
    ({"opening_cash": HUGE}, "Trésorerie de départ : montant trop élevé."),
    ({"flat_rate": "NaN"}, "Taux de contribution : le taux doit être compris entre 0 et 50 %."),
    ({"flat_rate": "-1"}, "Taux de contribution : le taux doit être compris entre 0 et 50 %."),
    ({"flat_rate": "10,123"}, "Taux de contribution : deux décimales au plus."),
    ({"y1_entrepreneurs": HUGE}, "Année 1 — Entrepreneurs accueillis : entre 0 et 10000."),
    ({"y2_other_costs": "-1"}, "Année 2 — Autres charges : le montant ne peut pas être négatif."),
    ({"subsidy_other_y9": "1"}, "Subvention : année inconnue."),
    ({"subsidy_pabc_y1": "1"}, "Subvention : partenaire inconnu."),
    ({"rate_mode": "tiered", "band_1_from": "0", "band_1_rate": "5", "band_2_from": HUGE, "band_2_rate": "6"},
     "Tranche 2, à partir de : montant trop élevé."),
])
def test_plan_junk_is_refused(project, founder, data, message):
    before = [(f.year, f.result) for f in plan_figures(project)[1]]
    post = {"first_year": "2027", "rate_mode": "flat", "flat_rate": "10", "y1_entrepreneurs": "5",
            "y1_average_revenue": "20000"} | data
    response = client_for(None, founder).post(f"/essaimage/{project.pk}/plan/", post)
    assert response.status_code == 400 and message in _messages(response)
    assert [(f.year, f.result) for f in plan_figures(project)[1]] == before


def test_two_places_with_one_name_are_refused_before_the_launch(project, world, founder):
    """A CAE's sites have distinct names: a repeated place is refused on the record (French
    message) and, had it got in, at the launch (an AppError, no CAE) rather than a 500."""
    twice = "Sedan ; 08200 ; antenne\nsedan ; 08200 ; permanence"
    response = client_for(None, founder).post(f"/essaimage/{project.pk}/fiche/logistics/", {"other_sites": twice},
                                              follow=True)
    assert "Autres lieux, ligne 2 : « sedan » figure déjà." in _messages(response)
    make_ready(project, world)
    SetupProject.objects.filter(pk=project.pk).update(other_sites=twice)
    with pytest.raises(AppError) as raised:
        project_launch(project=project, acting_user=world.user("network_staff"))
    assert raised.value.code == "other_sites_duplicate"
    project.refresh_from_db()
    assert project.cooperative_id is None and project.status == SetupProject.Status.OPEN
