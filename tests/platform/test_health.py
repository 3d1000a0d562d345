from tests.conftest import client_for


def test_healthz_on_public_and_cae_hosts(world, db):
    for coop in (None, world.cae_a):
        response = client_for(coop).get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


def test_readyz_checks_database_and_broker(world, db):
    response = client_for(None).get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_readyz_reports_an_unreachable_broker(world, db, monkeypatch):
    from kombu import Connection

    from essaim.celery import app

    # A real connection attempt, to a port where no broker listens.
    monkeypatch.setattr(app, "connection_for_write", lambda: Connection("redis://127.0.0.1:1/0"))
    response = client_for(None).get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("erreur")


def test_unknown_host_is_404(world, db):
    from django.test import Client

    assert Client(HTTP_HOST="inconnue.localhost").get("/healthz").status_code == 404
