"""End to end in Debian's chromium: log in on a CAE's domain; walk a candidate to a CESA."""

import os
from datetime import date, timedelta

import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares the main thread


def login(page, port, email, slug="alpha"):
    page.goto(f"http://{slug}.localhost:{port}/connexion/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"http://{slug}.localhost:{port}/")


def test_login_in_the_browser(world, app_server, page):
    login(page, app_server, "director.a@exemple.fr")
    assert "CAE Alpha" in page.inner_text("h1")
    # the same browser is not logged in on another CAE's domain
    page.goto(f"http://beta.localhost:{app_server}/")
    assert "/connexion/" in page.url


def test_walk_a_candidate_from_info_session_to_cesa(world, app_server, e2e_cae, page):
    login(page, app_server, "counsellor.e2e@exemple.fr", slug="navigateur")
    page.goto(f"http://navigateur.localhost:{app_server}/personnes/nouvelle/")
    page.fill("#id_first_name", "Inès")
    page.fill("#id_last_name", "Navigateur")
    page.select_option("#id_gender", "F")
    page.select_option("#id_site", label="Siège e2e")
    page.fill("#id_sector_naf", "74.10Z")
    page.fill("#id_opened_on", (date.today() - timedelta(days=210)).isoformat())
    page.click("main button[type=submit]")
    page.wait_for_selector("h1:has-text('Inès Navigateur')")

    today = date.today()
    steps = [
        ("info_session", today - timedelta(days=200), {}),
        ("follow_up", today - timedelta(days=190), {}),
        ("cape_signed", today - timedelta(days=180), {"#id_ends_on": (today + timedelta(days=150)).isoformat()}),
        ("first_revenue", today - timedelta(days=90), {}),
        ("cesa_signed", today - timedelta(days=10), {"#id_weekly_hours": "14", "#id_monthly_gross": "850.00"}),
    ]
    for kind, on, extra in steps:
        page.select_option("#id_kind", kind)
        page.fill("#id_on", on.isoformat())
        for selector, value in extra.items():
            page.fill(selector, value)
        page.click("text=Enregistrer l'étape")
        page.wait_for_selector(".messages li")
        assert "Étape enregistrée" in page.inner_text(".messages"), page.inner_text(".messages")
    assert "Entrepreneur·e-salarié·e (CESA)" in page.inner_text("h1")
    assert "850" in page.inner_text("main")
