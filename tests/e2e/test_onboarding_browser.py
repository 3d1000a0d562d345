"""End to end in Debian's chromium: network staff finish a setup project's last tasks and launch
it; the new CAE's domain serves its login page and the founder logs in there as director."""

import os

import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares the main thread

SLUG = "meuse-navigateur"


@pytest.fixture(scope="session")
def ready_project(world, django_db_blocker):
    """Committed (the server thread must see it): legal and logistics done, launch tasks to do."""
    from tests.network.onboarding.conftest import make_project, make_ready

    with django_db_blocker.unblock():
        project = make_project(world, name="CAE Meuse Navigateur", founders=("fondatrice.e2e@meuse.fr",))
        make_ready(project, world, seed=77777771, slug=SLUG)
    return project


def test_walk_a_setup_project_to_a_launched_cae(world, app_server, ready_project, page):
    base = f"http://localhost:{app_server}"
    page.goto(f"{base}/connexion/")
    page.fill("input[name=username]", "reseau@exemple.fr")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.click("nav >> text=Essaimage")
    page.click("text=CAE Meuse Navigateur")
    page.wait_for_selector("h1:has-text('CAE Meuse Navigateur')")
    launch_stage = "#etape-launch"
    while page.locator(f"{launch_stage} button.mark-done").count():
        page.locator(f"{launch_stage} button.mark-done").first.click()
        page.wait_for_selector(".messages li")
    assert page.locator(f"{launch_stage} tr[data-status=done]").count() == 2
    assert "100 %" in page.inner_text("tr[data-stage=launch]")

    page.click("#launch-button")
    page.wait_for_selector(".messages li")
    assert "La CAE « CAE Meuse Navigateur » est créée." in page.inner_text(".messages")
    assert f"{SLUG}.localhost" in page.inner_text("#lancement")

    founder = page.context.browser.new_context(locale="fr-FR").new_page()
    founder.goto(f"http://{SLUG}.localhost:{app_server}/connexion/")
    assert founder.locator("input[name=username]").count() == 1
    founder.fill("input[name=username]", "fondatrice.e2e@meuse.fr")
    founder.fill("input[name=password]", PASSWORD)
    founder.click("main button[type=submit]")
    founder.wait_for_url(f"http://{SLUG}.localhost:{app_server}/")
    assert "CAE Meuse Navigateur" in founder.inner_text("header")
    assert "Direction" in founder.inner_text("header .who")
    founder.context.close()
