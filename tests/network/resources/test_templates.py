"""Network templates installed into a CAE's schema: idempotent, never overwriting what the CAE
changed, atomic, safe inside an outer transaction, one click for a director."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from essaim.core.errors import AppError
from network.resources.templates import payload_validate, templates_install
from tenants.activity.contributions import contribution_rate_on
from tenants.catalogue.models import AccountLabel, DocumentModel, InstalledItem, JournalLabel, WorkshopModel
from tenants.people.models import PeopleSettings
from tests.conftest import client_for, tenant_context

from .helpers import make_resource

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "workshops": [
        {"key": "gestion-tresorerie", "title": "Gérer sa trésorerie", "theme": "management", "duration_minutes": 180},
        {"key": "prospection", "title": "Prospecter ses premiers clients", "theme": "sales", "capacity": 10},
    ],
    "documents": [{"key": "cape", "title": "Convention CAPE", "kind": "cape", "body": "Entre la coopérative…"}],
    "accounts": [{"number": "706100", "label": "Prestations des entrepreneur·es"}],
    "journals": [{"code": "OD", "label": "Opérations diverses"}],
    "contribution_rate": {"rate": "11.50"},
    "people_settings": {"cesa_requires_first_revenue": False, "retention_years": 6, "cape_warning_days": 45,
                        "associate_warning_months": 9},
}


@pytest.fixture
def template(world):
    return make_resource(world, title="Kit de démarrage d'une CAE", kind="template", theme="setup",
                         payload=PAYLOAD, install_at_launch=True, visibility="network")


def _settings():
    settings = PeopleSettings.current()
    return (settings.cesa_requires_first_revenue, settings.retention_years, settings.cape_warning_days,
            settings.associate_warning_months)


def _state():
    return {
        "workshops": sorted(WorkshopModel.objects.values_list("key", "title", "capacity")),
        "documents": sorted(DocumentModel.objects.values_list("key", "title", "body")),
        "accounts": sorted(AccountLabel.objects.values_list("number", "label")),
        "journals": sorted(JournalLabel.objects.values_list("code", "label")),
        "settings": _settings(),
        "rate": contribution_rate_on(date.today()),
        "installed": InstalledItem.objects.count(),
    }


def test_installing_twice_changes_nothing(world, template):
    first = templates_install(cooperative=world.cae_a, acting_user=world.user("director_a"))
    assert first.created == {"workshop": 2, "document": 1, "account": 1, "journal": 1, "contribution_rate": 1,
                             "people_settings": 1}
    with tenant_context(world.cae_a):
        after_first = _state()
    assert after_first["rate"] == Decimal("11.50") and after_first["settings"] == (False, 6, 45, 9)
    second = templates_install(cooperative=world.cae_a, acting_user=world.user("network_staff"))
    assert second.total_created == 0 and sum(second.skipped.values()) == 7
    with tenant_context(world.cae_a):
        assert _state() == after_first
    with tenant_context(world.cae_b):  # the other CAE received nothing
        assert WorkshopModel.objects.count() == 0 and InstalledItem.objects.count() == 0


def test_a_cae_edits_and_deletions_survive_a_reinstall(world, template):
    templates_install(cooperative=world.cae_a, resources=[template], acting_user=world.user("network_staff"))
    with tenant_context(world.cae_a):
        WorkshopModel.objects.filter(key="prospection").update(title="Prospecter à Reims", capacity=8)
        DocumentModel.objects.filter(key="cape").delete()
        settings = PeopleSettings.current()
        settings.retention_years = 10
        settings.save(update_fields=["retention_years"])
    templates_install(cooperative=world.cae_a, resources=[template], acting_user=world.user("network_staff"))
    with tenant_context(world.cae_a):
        assert WorkshopModel.objects.get(key="prospection").title == "Prospecter à Reims"
        assert not DocumentModel.objects.filter(key="cape").exists()  # deleted on purpose: stays deleted
        assert PeopleSettings.current().retention_years == 10


def test_a_new_version_of_a_template_adds_only_new_items(world, template):
    templates_install(cooperative=world.cae_a, resources=[template], acting_user=world.user("network_staff"))
    template.payload = {**PAYLOAD, "workshops": [*PAYLOAD["workshops"],
                                                 {"key": "assurances", "title": "Bien s'assurer", "theme": "insurance"}]}
    template.save(update_fields=["payload"])
    report = templates_install(cooperative=world.cae_a, resources=[template], acting_user=world.user("network_staff"))
    assert report.created == {"workshop": 1}


def test_items_the_cae_already_has_are_left_alone(world, template):
    with tenant_context(world.cae_a):
        AccountLabel.objects.create(number="706100", label="Notre libellé")
    templates_install(cooperative=world.cae_a, resources=[template], acting_user=world.user("network_staff"))
    with tenant_context(world.cae_a):
        assert AccountLabel.objects.get(number="706100").label == "Notre libellé"
        assert InstalledItem.objects.get(kind="account", key="706100").created is False


def test_install_is_atomic_and_safe_inside_an_outer_transaction(world, template):
    from django.db import connection

    with transaction.atomic():
        report = templates_install(cooperative=world.cae_b, acting_user=world.user("network_staff"))
        assert report.total_created == 7
        assert connection.schema_name == "public"  # the caller's schema is given back
        transaction.set_rollback(True)
    with tenant_context(world.cae_b):
        assert WorkshopModel.objects.count() == 0 and InstalledItem.objects.count() == 0
    broken = make_resource(world, title="Modèle cassé", kind="template", payload={"journals": [{"code": "OD", "label": "x"}]})
    broken.payload = {"journals": [{"code": "bad code", "label": "x"}]}  # corrupted after publication
    broken.save(update_fields=["payload"])
    with pytest.raises(AppError) as caught:
        templates_install(cooperative=world.cae_b, resources=[template, broken], acting_user=world.user("network_staff"))
    assert caught.value.code == "template_payload_invalid"
    with tenant_context(world.cae_b):
        assert WorkshopModel.objects.count() == 0  # the good template was not half-installed


def test_unpublished_or_plain_resources_are_not_installable(world, template):
    draft = make_resource(world, title="Brouillon", kind="template", payload={"journals": [{"code": "OD", "label": "x"}]},
                          publish=False)
    guide = make_resource(world, title="Guide")
    for resource, code in ((draft, "template_not_published"), (guide, "template_not_installable")):
        with pytest.raises(AppError) as caught:
            templates_install(cooperative=world.cae_a, resources=[resource], acting_user=world.user("network_staff"))
        assert caught.value.code == code


@pytest.mark.parametrize("payload, fragment", [
    ({"workshops": [{"key": "x", "title": "T", "theme": "cuisine"}]}, "thème inconnu « cuisine »"),
    ({"accounts": [{"number": "9999", "label": "x"}]}, "numéro « 9999 » invalide"),
    ({"contribution_rate": {"rate": "60"}}, "entre 0 et 50 %"),
    ({"contribution_rate": {"tiers": []}}, "paliers ne sont pas pris en charge"),
    ({"journals": [{"code": "OD", "label": "a"}, {"code": "OD", "label": "b"}]}, "« OD » apparaît deux fois"),
    ({"unknown": []}, "rubrique inconnue « unknown »"),
    ({"people_settings": {"cape_warning_days": 6}}, "« cape_warning_days » doit être un entier entre 7 et 90"),
    ({"people_settings": {"cape_warning_days": "30"}}, "« cape_warning_days » doit être un entier entre 7 et 90"),
    ({"people_settings": {"associate_warning_months": 13}},
     "« associate_warning_months » doit être un entier entre 1 et 12"),
    ({"people_settings": {"associate_warning_months": True}},
     "« associate_warning_months » doit être un entier entre 1 et 12"),
    ({"people_settings": {"warning_days": 30}}, "« people_settings » attend cesa_requires_first_revenue, "
                                                "retention_years, cape_warning_days, associate_warning_months"),
    ([], "un objet JSON est attendu"),
])
def test_payload_validation_names_the_rule(payload, fragment):
    with pytest.raises(AppError) as caught:
        payload_validate(payload)
    assert caught.value.field == "payload" and fragment in caught.value.message


def test_one_click_install_for_a_director_only(world, template):
    director = client_for(None, world.user("director_a"))
    page = director.get(f"/ressources/{template.pk}/").content.decode()
    assert "Installer dans CAE Alpha" in page
    response = director.post(f"/ressources/{template.pk}/installer/", {"cooperative": world.cae_a.pk}, follow=True)
    assert "7 élément(s) ajouté(s)" in response.content.decode()
    again = director.post(f"/ressources/{template.pk}/installer/", {"cooperative": world.cae_a.pk}, follow=True)
    assert "Rien de nouveau" in again.content.decode()
    # into a CAE one does not direct: 404, nothing written there
    assert director.post(f"/ressources/{template.pk}/installer/", {"cooperative": world.cae_b.pk}).status_code == 404
    counsellor = client_for(None, world.user("counsellor_b"))
    assert "Installer dans" not in counsellor.get(f"/ressources/{template.pk}/").content.decode()
    assert counsellor.post(f"/ressources/{template.pk}/installer/", {"cooperative": world.cae_b.pk}).status_code == 404
    with tenant_context(world.cae_b):
        assert InstalledItem.objects.count() == 0


def test_a_template_named_for_another_cae_cannot_be_installed(world):
    """CAE B's director may not even see a template named for CAE A: 404, nothing installed."""
    named = make_resource(world, title="Kit réservé", kind="template", theme="setup", visibility="named",
                          named=[world.cae_a], payload={"journals": [{"code": "OD", "label": "Opérations diverses"}]})
    director_b = client_for(None, world.user("director_b"))
    assert director_b.get(f"/ressources/{named.pk}/").status_code == 404
    assert director_b.post(f"/ressources/{named.pk}/installer/", {"cooperative": world.cae_b.pk}).status_code == 404
    with tenant_context(world.cae_b):
        assert InstalledItem.objects.count() == 0 and JournalLabel.objects.count() == 0
    response = client_for(None, world.user("director_a")).post(f"/ressources/{named.pk}/installer/",
                                                               {"cooperative": world.cae_a.pk})
    assert response.status_code == 302
    with tenant_context(world.cae_a):
        assert list(JournalLabel.objects.values_list("code", flat=True)) == ["OD"]
    with tenant_context(world.cae_b):
        assert JournalLabel.objects.count() == 0


PEOPLE_PAGE = "/personnes/reglages/"
DIRECTORS_CHOICE = {"cesa_requires_first_revenue": "oui", "retention_years": "7", "cape_warning_days": "21",
                    "associate_warning_months": "4"}


def test_the_reminder_settings_a_template_carries_are_installed(world):
    only_settings = make_resource(world, title="Réglages des rappels", kind="template", theme="setup",
                                  payload={"people_settings": {"cape_warning_days": 60}})
    with tenant_context(world.cae_b):
        assert _settings() == (True, 5, 30, 6)
    report = templates_install(cooperative=world.cae_b, resources=[only_settings], acting_user=world.user("network_staff"))
    assert report.created == {"people_settings": 1}
    with tenant_context(world.cae_b):
        assert _settings() == (True, 5, 60, 6)  # only what the template names
        assert PeopleSettings.current().edited_at is None  # received, not the CAE's edit
    with tenant_context(world.cae_a):
        assert _settings() == (True, 5, 30, 6)


def test_settings_the_director_saved_are_not_overwritten_by_a_first_install(world, template):
    director = client_for(world.cae_a, world.user("director_a"))
    assert director.post(PEOPLE_PAGE, DIRECTORS_CHOICE).status_code == 302
    report = templates_install(cooperative=world.cae_a, resources=[template], acting_user=world.user("network_staff"))
    assert "people_settings" not in report.created and report.skipped == {"people_settings": 1}
    assert report.created["workshop"] == 2  # the rest of the kit is installed
    with tenant_context(world.cae_a):
        assert _settings() == (True, 7, 21, 4)
        assert InstalledItem.objects.get(kind="people_settings").created is False
    templates_install(cooperative=world.cae_a, resources=[template], acting_user=world.user("network_staff"))
    with tenant_context(world.cae_a):
        assert _settings() == (True, 7, 21, 4)
    page = director.get("/modeles/reglages/").content.decode()
    assert "n'ont pas été appliqués : la CAE avait déjà fixé les siens." in page


def test_settings_edited_after_an_install_survive_a_new_version(world, template):
    templates_install(cooperative=world.cae_a, resources=[template], acting_user=world.user("network_staff"))
    with tenant_context(world.cae_a):
        assert _settings() == (False, 6, 45, 9)
    director = client_for(world.cae_a, world.user("director_a"))
    assert director.post(PEOPLE_PAGE, DIRECTORS_CHOICE).status_code == 302
    template.payload = {**PAYLOAD, "people_settings": {"cape_warning_days": 90, "associate_warning_months": 12}}
    template.save(update_fields=["payload"])
    report = templates_install(cooperative=world.cae_a, resources=[template], acting_user=world.user("network_staff"))
    assert report.total_created == 0
    with tenant_context(world.cae_a):
        assert _settings() == (True, 7, 21, 4)
