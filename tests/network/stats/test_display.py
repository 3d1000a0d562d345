"""Headline figures read as French numbers; a secret one stays « s »."""

from decimal import Decimal

import pytest

from network.stats.charts import line_chart
from network.stats.selectors import shown, shown_fr


@pytest.mark.parametrize(("value", "text"), [
    (Decimal("634809"), "634\u202f809"), (Decimal("1234567.5"), "1\u202f234\u202f567,5"),
    (Decimal("46"), "46"), (Decimal("-1200"), "-1\u202f200"), (None, "s"),
])
def test_headline_figures_in_french(value, text):
    assert shown_fr(value, "published") == text


def test_exports_keep_machine_numbers():
    assert shown(Decimal("634809"), "published") == "634809"


def test_a_secret_period_is_a_gap_in_the_trend():
    svg = str(line_chart([("2024", Decimal(10)), ("2025", None), ("2026", Decimal(30))], title="Test"))
    assert svg.count("<polyline") == 2 and ">s<" in svg
