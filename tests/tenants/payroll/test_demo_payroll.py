"""The demo network closes the payroll of its CESA contracts for the past months of the year."""

import time
from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import Sum

from essaim.cooperatives.models import Cooperative
from tenants.activity.account import account_statements
from tenants.ledger.fec import fec_lines, fec_validate
from tenants.ledger.models import Entry
from tenants.payroll.models import PayrollLine, PayrollRun
from tests.conftest import tenant_context

pytestmark = pytest.mark.django_db


def test_demo_closes_past_months(world, capsys):
    started = time.perf_counter()
    call_command("demo", cooperatives=1, entrepreneurs=40, seed=5, as_of="2026-11-01")
    elapsed = time.perf_counter() - started
    cesame = Cooperative.objects.get(slug="cesame")
    with tenant_context(cesame):
        runs = list(PayrollRun.objects.order_by("month"))
        assert [r.month for r in runs] == [date(2026, m, 1) for m in range(1, 11)]
        assert all(r.state == "closed" for r in runs)
        lines = PayrollLine.objects.count()
        assert lines > 0 and Entry.objects.filter(journal="PA").count() == lines
        assert fec_validate(list(fec_lines(year=2026)), year=2026) == []
        costs = dict(PayrollLine.objects.values("entrepreneur_id").order_by()
                     .annotate(c=Sum("total_cost")).values_list("entrepreneur_id", "c"))
        statements = account_statements(entrepreneur_ids=list(costs), year=2026)
        assert all(sum(m.salary_cost for m in statements[p]) == cost for p, cost in costs.items())
    print(f"demo (1 CAE, 80 personnes, {lines} bulletins) : {elapsed:.1f} s")
