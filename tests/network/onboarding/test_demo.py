"""The demo's two CAEs in setup: one ready to launch, one mobilising partners; logins work."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.hashers import make_password

from demo.generator import network_users
from demo.logins import DEMO_PASSWORD, FOUNDER_USERS, demo_logins
from demo.onboarding import GATINAIS, MEUSE, onboarding_demo
from network.onboarding.launch import launch_blockers, project_launch
from network.onboarding.models import SetupProject
from network.onboarding.selectors import current_stage, plan_figures, stage_progress
from tests.conftest import client_for


def test_demo_projects(world, db):
    password_hash = make_password(DEMO_PASSWORD)
    network_users(password_hash)
    made = onboarding_demo(password_hash=password_hash, reference=date(2026, 11, 1))
    assert [p.name for p in made] == [MEUSE, GATINAIS]
    assert onboarding_demo(password_hash=password_hash, reference=date(2026, 11, 1)) == []  # idempotent

    meuse, gatinais = SetupProject.objects.get(name=MEUSE), SetupProject.objects.get(name=GATINAIS)
    assert launch_blockers(meuse) == []
    assert current_stage(stage_progress(meuse)).key == "launch"
    assert launch_blockers(gatinais) and current_stage(stage_progress(gatinais)).key == "partners"
    assert meuse.partners.count() == 6 and gatinais.partners.count() == 4
    assert all(len(plan_figures(p)[1]) == 3 for p in (meuse, gatinais))
    assert {e for e, *_ in FOUNDER_USERS} <= {e for e, _ in demo_logins()["users"]}

    client = client_for(None)
    response = client.post("/connexion/", {"username": "fondatrice@vallee-meuse.demo", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert MEUSE in client.get(f"/essaimage/{meuse.pk}/").content.decode()
    assert client.get(f"/essaimage/{gatinais.pk}/").status_code == 404

    from essaim.accounts.models import User

    cooperative = project_launch(project=meuse, acting_user=User.objects.get(email="reseau@essaim.coop"))
    assert cooperative.slug == "vallee-meuse" and cooperative.siren == "913524682"
