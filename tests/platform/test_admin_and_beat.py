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


def _drain(conn) -> list[dict]:
    """Every message waiting in the default queue, through kombu (filesystem or Redis alike)."""
    import queue

    headers = []
    simple = conn.SimpleQueue("celery", no_ack=True)
    try:
        while True:
            message = simple.get(timeout=1)
            headers.append(message.headers)
    except queue.Empty:
        pass
    finally:
        simple.close()
    return headers


def test_beat_sends_per_cooperative_entries_once_per_cae_and_others_once(world, db, tmp_path):
    """Through the real scheduler and the real broker: read back the messages it queued."""
    from essaim.cooperatives.models import Cooperative
    from essaim.core.beat import EssaimScheduler

    scheduler = EssaimScheduler(app=app, schedule_filename=str(tmp_path / "beat"), lazy=True)
    scheduler.setup_schedule()
    entries = scheduler.schedule
    assert "people-daily-reminders@cooperatives" in entries and "refill-tenant-pool@public" in entries
    with app.connection_for_write() as conn:
        _drain(conn)
        with app.producer_or_acquire() as producer:
            scheduler.apply_entry(entries["people-daily-reminders@cooperatives"], producer=producer)
            scheduler.apply_entry(entries["refill-tenant-pool@public"], producer=producer)
        messages = _drain(conn)
    schemas = sorted(h.get("_schema_name", "public") for h in messages
                     if h["task"] == "tenants.people.tasks.daily_reminders")
    assert schemas == sorted(Cooperative.objects.values_list("schema_name", flat=True))
    refills = [h for h in messages if h["task"] == "essaim.cooperatives.tasks.pool_refill"]
    assert len(refills) == 1 and refills[0].get("_schema_name", "public") == "public"
