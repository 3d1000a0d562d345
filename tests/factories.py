"""factory-boy factories with French data. The demo generator reuses the same helpers."""

from __future__ import annotations

import factory
from stdnum import luhn

from essaim.accounts.models import Membership, User
from essaim.audit.actors import Actor, SystemActor

PASSWORD = "motdepasse-de-test-2026"
# The actor of writes a test makes as set-up, where no user of the test world acts.
TEST_ACTOR = SystemActor("test")


def siren_from(seed: int) -> str:
    base = f"{seed % 10**8:08d}"
    return base + luhn.calc_check_digit(base)


def siret_from(siren: str, establishment: int = 1) -> str:
    base = f"{siren}{establishment:04d}"
    return base + luhn.calc_check_digit(base)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Membership.Role.COUNSELLOR


def make_person(*, first_name="Léa", last_name="Martin", gender="F", site_name="Reims", user=None,
                acting_user: Actor = TEST_ACTOR, **fields):
    """A site (created if needed) and an entrepreneur with an open journey, in the current schema."""
    from tenants.people.models import Site
    from tenants.people.services import entrepreneur_create

    site, _ = Site.objects.get_or_create(name=site_name, defaults={"kind": "head_office", "city": site_name,
                                                                    "department": "51"})
    person = entrepreneur_create(site=site, first_name=first_name, last_name=last_name, gender=gender,
                                 acting_user=acting_user, **fields)
    if user is not None:
        person.user = user
        person.save(update_fields=["user"])
    return person


def make_customer(person, name="Client", *, acting_user: Actor = TEST_ACTOR, **fields):
    from tenants.activity.services import customer_create

    return customer_create(entrepreneur=person, name=name,
                           acting_user=acting_user, **({"billing_address": "1 rue Libergier",
                                                               "billing_postal_code": "51100",
                                                               "billing_city": "Reims"} | fields))
