"""Browser tests: Debian's chromium driven by Playwright against the app served from a thread.

pytest-django's `live_server` is not used: it forces `transactional_db`, whose flush would empty
the session's committed CAEs. The WSGI server below reads the same test database."""

import os
import shutil
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test.testcases import _StaticFilesHandler

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class _ThreadingServer(WSGIServer):
    daemon_threads = True


def _closing(app):
    """Each request runs in its own thread: close that thread's connections when it is done, or
    the test database could not be dropped at the end of the session."""
    from django.db import connections

    def wsgi(environ, start_response):
        try:
            yield from app(environ, start_response)
        finally:
            connections.close_all()

    return wsgi


@pytest.fixture(scope="session")
def app_server(world):
    server = make_server("127.0.0.1", 0, _closing(_StaticFilesHandler(WSGIHandler())),
                         server_class=_ThreadingServer, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("ESSAIM_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def e2e_cae(world, django_db_blocker):
    """A CAE of the browser tests' own, committed so the server thread sees it; what the browser
    writes there never meets the other tests' CAEs."""
    from essaim.accounts.models import Membership
    from tenants.people.models import Site
    from tests.conftest import _make_cooperative, tenant_context
    from tests.factories import MembershipFactory, UserFactory

    with django_db_blocker.unblock():
        cae = _make_cooperative("navigateur", "CAE Navigateur", 33333333)
        for role in (Membership.Role.DIRECTOR, Membership.Role.COUNSELLOR):
            MembershipFactory(user=UserFactory(email=f"{role}.e2e@exemple.fr"), cooperative=cae, role=role)
        with tenant_context(cae):
            Site.objects.create(name="Siège e2e", kind="head_office", city="Reims", department="51")
    return cae
