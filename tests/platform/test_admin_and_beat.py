from django.core import mail

from essaim.celery import app
from tests.conftest import client_for


def test_platform_admin_is_for_network_admins_on_the_public_domain(world, db):
    assert client_for(None, world.user("network_admin")).get("/admin/").status_code == 200
    for key in ("network_staff", "nobody"):
        response = client_for(None, world.user(key)).get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    # The admin does not exist on a CAE's domain.
    assert client_for(world.cae_a, world.user("director_a")).get("/admin/").status_code == 404


def test_network_admin_can_browse_cooperatives_in_admin(world, db):
    response = client_for(None, world.user("network_admin")).get("/admin/cooperatives/cooperative/")
    assert response.status_code == 200
    assert "CAE Alpha" in response.content.decode()


def test_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_password_reset_mails_only_members_of_this_cae(world, db):
    client = client_for(world.cae_b)
    client.post("/mot-de-passe/oubli/", {"email": "director.a@exemple.fr"})
    assert mail.outbox == []
    client_for(world.cae_a).post("/mot-de-passe/oubli/", {"email": "director.a@exemple.fr"})
    assert len(mail.outbox) == 1
    assert "alpha.localhost" in mail.outbox[0].body
