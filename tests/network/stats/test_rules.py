from decimal import Decimal

import pytest

from network.stats import DisclosureSettings, Kind, Rule, primary_rules
from network.stats.rules import protection_level

from .helpers import heads, money, row_table

D = Decimal


def cell(contributions, kind=Kind.MAGNITUDE):
    return row_table({"x": contributions, "y": []}, kind=kind).cells[("x",)]


@pytest.mark.parametrize(("contributions", "rules"), [
    ([heads("a", 1), heads("b", 1)], (Rule.COUNT_PEOPLE,)),
    ([heads("a", 2)], (Rule.COUNT_PEOPLE, Rule.COUNT_CAES)),
    ([heads("a", 40)], (Rule.COUNT_CAES,)),
    ([heads("a", 2), heads("b", 1)], ()),
])
def test_count_rules(contributions, rules):
    assert primary_rules(cell(contributions, Kind.COUNT), Kind.COUNT) == rules


def test_empty_cell_is_a_structural_zero_not_sensitive():
    empty = row_table({"x": [money("a", 10, 12)], "y": []}).cells[("y",)]
    assert empty.empty and primary_rules(empty, Kind.MAGNITUDE) == ()


def test_magnitude_fewer_than_three_caes():
    # with two CAEs nothing is left beside the two largest, so the CAE p%-rule fails as well
    assert primary_rules(cell([money("a", 100), money("b", 100)]), Kind.MAGNITUDE) == (
        Rule.MAGNITUDE_CAES, Rule.P_PERCENT_CAES)
    assert primary_rules(cell([money("a", 0), money("b", 0)]), Kind.MAGNITUDE) == (Rule.MAGNITUDE_CAES,)


def test_magnitude_fewer_than_eleven_people():
    three = [money("a", 100, 4), money("b", 100, 3), money("c", 100, 3)]
    assert primary_rules(cell(three), Kind.MAGNITUDE) == (Rule.MAGNITUDE_PEOPLE,)
    three[0] = money("a", 100, 5)
    assert primary_rules(cell(three), Kind.MAGNITUDE) == ()


def test_p_percent_rule_on_caes_boundary():
    # all but the two largest (a, b) must reach 15 % of the largest: 15 of 100 passes, 14.99 fails
    passing = [money("a", 100), money("b", 50), money("c", 10), money("d", 5)]
    assert primary_rules(cell(passing), Kind.MAGNITUDE) == ()
    failing = [money("a", 100), money("b", 50), money("c", D("9.99")), money("d", 5)]
    assert primary_rules(cell(failing), Kind.MAGNITUDE) == (Rule.P_PERCENT_CAES,)


def test_p_percent_rule_on_people_inside_caes():
    # One person of a holds 900 of 3,000; the second largest person has 83.33: the others' 2,016
    # are well above 15 % of 900.
    ok = [money("a", 1000, 12, 900, 20), money("b", 1000, 12), money("c", 1000, 12)]
    assert primary_rules(cell(ok), Kind.MAGNITUDE) == ()
    # 990 of 1,120: the others' 1120 - 990 - 5 = 125 < 148.5. The CAE rule fails too: the two
    # largest CAEs hold at least the two largest people (docs/stats.md), so it always does.
    bad = [money("a", 1000, 12, 990, 1), money("b", 60, 12, 5, 5), money("c", 60, 12, 5, 5)]
    assert primary_rules(cell(bad), Kind.MAGNITUDE) == (Rule.P_PERCENT_CAES, Rule.P_PERCENT_PEOPLE)
    # the people's figures decide it: same CAE totals, the large person spread out
    spread = [money("a", 1000, 12, 200, 150), money("b", 60, 12, 5, 5), money("c", 60, 12, 5, 5)]
    assert primary_rules(cell(spread), Kind.MAGNITUDE) == (Rule.P_PERCENT_CAES,)


def test_zero_amounts_with_people_are_not_sensitive_by_the_p_rule():
    zero = [money("a", 0), money("b", 0), money("c", 0)]
    assert primary_rules(cell(zero), Kind.MAGNITUDE) == ()


def test_thresholds_are_settings():
    settings = DisclosureSettings(count_min_people=5, magnitude_min_caes=2, magnitude_min_people=2,
                                  p_percent=D(0))
    assert primary_rules(cell([heads("a", 2), heads("b", 2)], Kind.COUNT), Kind.COUNT, settings) == (
        Rule.COUNT_PEOPLE,)
    assert primary_rules(cell([money("a", 100, 1), money("b", 1, 1)]), Kind.MAGNITUDE, settings) == ()


def test_protection_levels():
    s = DisclosureSettings()
    assert protection_level(D(1000), Kind.MAGNITUDE, s) == D(100)
    assert protection_level(D(5), Kind.MAGNITUDE, s) == D(1)
    assert protection_level(D(5), Kind.MAGNITUDE, s, D(50)) == D(50)
    assert protection_level(D(2), Kind.COUNT, s) == D(3)
    assert protection_level(D(80), Kind.COUNT, s) == D(8)
