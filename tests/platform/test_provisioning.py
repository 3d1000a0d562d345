"""Provisioning: a CAE given a renamed spare schema has exactly the schema that replaying the
migrations gives, and creating a CAE is all or nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from essaim.cooperatives import provisioning
from essaim.cooperatives.catalog import schema_catalog
from essaim.cooperatives.models import Cooperative, Domain, SpareSchema
from essaim.cooperatives.services import cooperative_create
from tests.conftest import tenant_context
from tests.factories import TEST_ACTOR, siren_from, siret_from


def coop_kwargs(name: str, seed: int, **extra) -> dict:
    siren = siren_from(seed)
    return {"name": f"CAE {name}", "legal_name": f"CAE {name} SCOP", "slug": name, "siren": siren, "siret": siret_from(siren),
                "region": "44", "address": "3 rue Libergier", "postal_code": "51100", "city": "Reims",
                "acting_user": TEST_ACTOR} | extra


def test_spare_equals_migrations(world, db):
    provisioning.pool_refill(size=1)
    spare = cooperative_create(**coop_kwargs("reserve", 33333332))
    assert spare.provisioned_by == "spare"
    assert not SpareSchema.objects.exists(), "the spare should have been used"
    migrated = cooperative_create(**coop_kwargs("migree", 33333333), by_migrations=True)

    reference = schema_catalog(migrated.schema_name)
    assert reference["columns"], "the migrated schema has tables"
    assert any(row[0] == "people_site" for row in reference["columns"])
    assert any(row[1] == "site_unique_name" for row in reference["constraints"])
    assert schema_catalog(spare.schema_name) == reference


def test_empty_pool_falls_back_to_migrations(world, db):
    assert provisioning.pool_size() == 0
    coop = cooperative_create(**coop_kwargs("sans-reserve", 33333334))
    assert coop.provisioned_by == "migrations"
    with tenant_context(coop):
        from tenants.people.models import Site

        Site.objects.create(name="Siège", city="Reims", department="51")
        assert Site.objects.count() == 1


def test_tenant_creation_is_atomic(world, db):
    before = set(_schemas())
    # A slug already taken by a domain makes the Domain insert fail after the schema exists.
    Domain.objects.create(domain="doublon.localhost", tenant=world.cae_a, is_primary=False)
    with pytest.raises(ValidationError):
        cooperative_create(**coop_kwargs("doublon", 44444441))
    assert set(_schemas()) == before
    assert not Cooperative.objects.filter(slug="doublon").exists()


def test_failure_after_schema_created_leaves_nothing(world, db, monkeypatch):
    from django.db import IntegrityError

    before = set(_schemas())
    count = Cooperative.objects.count()
    real_create = Domain.objects.create

    def failing_create(**kwargs):
        raise IntegrityError("panne simulée après la création du schéma")

    monkeypatch.setattr(Domain.objects, "create", failing_create)
    with pytest.raises(IntegrityError):
        cooperative_create(**coop_kwargs("panne", 44444442))
    monkeypatch.setattr(Domain.objects, "create", real_create)
    assert set(_schemas()) == before
    assert Cooperative.objects.count() == count


def test_schema_name_is_generated_never_user_input(world, db):
    coop = cooperative_create(**coop_kwargs("cae-nom-libre", 55555551))
    assert coop.schema_name == f"cae_{coop.pk}"
    with pytest.raises(ValidationError) as exc:
        cooperative_create(**coop_kwargs("x; drop schema public", 55555552))
    assert "slug" in exc.value.message_dict


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("siren", "123456789", "SIREN invalide"),
        ("siret", "12345678901234", "SIRET invalide"),
        ("slug", "admin", "réservé"),
        ("postal_code", "5110", "Code postal"),
        ("contribution_rate", "75", "inférieure ou égale"),
        ("iban", "FR7642559100000111111111146", "IBAN invalide"),
        ("bic", "CCOP-FR", "BIC invalide"),
    ],
)
def test_bad_input_is_refused_in_french_and_writes_nothing(world, db, field, value, message):
    before = set(_schemas())
    with pytest.raises(ValidationError) as exc:
        cooperative_create(**coop_kwargs("mauvaise", 66666661, **{field: value}))
    assert any(message in m for m in exc.value.message_dict[field])
    assert set(_schemas()) == before


def test_bank_account_is_stored_compact(world, db):
    coop = cooperative_create(**coop_kwargs("banque", 55555553, iban="fr76 4255 9100 0001 1111 1111 145",
                                            bic="ccopfrpp"))
    coop.refresh_from_db()
    assert (coop.iban, coop.bic) == ("FR7642559100000111111111145", "CCOPFRPP")


def test_create_cooperative_command(world, db, capsys):
    siren = siren_from(77777771)
    call_command("create_cooperative", name="Coop Ligne", slug="ligne", siren=siren, siret=siret_from(siren),
                 region="53", postal_code="35000", city="Rennes", address="1 quai Lamartine")
    assert "cae_" in capsys.readouterr().out
    assert Domain.objects.filter(domain="ligne.localhost").exists()
    with pytest.raises(CommandError, match="SIREN invalide"):
        call_command("create_cooperative", name="Coop", slug="autre", siren="1", siret="2",
                     region="53", postal_code="35000", city="Rennes", address="x")


def test_stale_spares_are_discarded(world, db):
    provisioning.pool_refill(size=1)
    SpareSchema.objects.update(fingerprint="ancienne-version")
    name = SpareSchema.objects.get().name
    assert provisioning.pool_discard_stale() == 1
    assert name not in _schemas()
    coop = cooperative_create(**coop_kwargs("apres-migration", 88888881))
    assert coop.schema_name in _schemas()


def _schemas() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace")
        return [row[0] for row in cursor.fetchall()]


def test_pool_refill_command(world, db, capsys):
    call_command("pool_refill", size=2)
    assert "2 schéma(s) prêt(s)" in capsys.readouterr().out
    assert provisioning.pool_size() == 2
    call_command("pool_refill", size=2)
    assert "0 préparé(s)" in capsys.readouterr().out
