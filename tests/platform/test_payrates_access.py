"""A rate table named in a request (rate_table_get_for): the network staff's, 404 for anyone else
and for an id that is not a table."""

from datetime import date

import pytest
from django.http import Http404

from essaim.payrates.models import RateTable
from essaim.payrates.selectors import rate_table_get_for
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_only_the_network_staff_reach_a_rate_table(world):
    table = RateTable.objects.get(valid_from=date(2026, 1, 1))
    for key in ("network_staff", "network_admin"):
        assert rate_table_get_for(actor=world.user(key), pk=table.pk) == table
    for key in ("director_a", "accounts_b", "entrepreneur_a", "nobody"):
        with pytest.raises(Http404):
            rate_table_get_for(actor=world.user(key), pk=table.pk)
    staff = client_for(None, world.user("network_staff"))
    for path in (f"/baremes-de-paie/{table.pk + 1000}/", f"/baremes-de-paie/{table.pk + 1000}/bareme.json"):
        assert staff.get(path).status_code == 404, path
