"""A real task through the real broker (kombu's filesystem transport) and a real worker:
no `task_always_eager`. Tasks carry their CAE's schema and the next task does not inherit it."""

import threading

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connection

from essaim.audit.models import AuditEntry
from essaim.celery import app
from essaim.cooperatives.tasks import cooperative_heartbeat
from tests.conftest import tenant_context

# The tests run in a transaction (so the test database exists); the worker thread has its own
# connection and commits, which is what a real worker does.
pytestmark = pytest.mark.django_db


@app.task(name="tests.schema_probe")
def schema_probe() -> str:
    return connection.schema_name


class Outcomes:
    """Collects task results as the worker finishes them; waits on an event, never sleeps."""

    def __init__(self):
        self.results: dict[str, object] = {}
        self.cond = threading.Condition()

    def __call__(self, sender=None, task_id=None, retval=None, **kwargs):
        with self.cond:
            self.results[task_id] = retval
            self.cond.notify_all()

    def wait(self, task_id: str, timeout: float = 30.0):
        with self.cond:
            assert self.cond.wait_for(lambda: task_id in self.results, timeout), "the worker never ran the task"
            return self.results[task_id]


@pytest.fixture(scope="module")
def worker(django_db_blocker):
    assert app.conf.broker_url.startswith(("filesystem", "redis", "amqp")), app.conf.broker_url
    assert not app.conf.task_always_eager
    outcomes = Outcomes()
    task_postrun.connect(outcomes, weak=False)
    with django_db_blocker.unblock(), start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield outcomes
    task_postrun.disconnect(outcomes)


def test_task_runs_in_its_cooperative_schema(world, worker, django_db_blocker):
    with django_db_blocker.unblock():
        with tenant_context(world.cae_a):
            result = cooperative_heartbeat.delay()
        assert worker.wait(result.id) == world.cae_a.schema_name
        with tenant_context(world.cae_a):
            entry = AuditEntry.objects.get(action="heartbeat", target=f"task:{result.id}")
            entry.delete()
        with tenant_context(world.cae_b):
            assert not AuditEntry.objects.filter(target=f"task:{result.id}").exists()


def test_schema_never_leaks_to_the_next_task(world, worker, django_db_blocker):
    with django_db_blocker.unblock():
        with tenant_context(world.cae_b):
            in_b = schema_probe.delay()
        plain = schema_probe.delay()  # queued from the public schema
        assert worker.wait(in_b.id) == world.cae_b.schema_name
        assert worker.wait(plain.id) == "public"
