"""The audit on hand-made tables: leaks it must find, and the bounds it reports."""

from decimal import Decimal

import numpy as np
import pytest

from network.stats import MARGIN, DisclosureSettings, Kind, Labels, audit_tables, build_table, protect_tables
from network.stats.audit import Auditor
from network.stats.model import Problem
from network.stats.tables import Dimension

from .helpers import heads, money, row_table, safe

D = Decimal
SETTINGS = DisclosureSettings()


def leaky_table():
    """A (one CAE) is sensitive; its margin and the other cells are published."""
    return row_table({"A": [money("a", 50)], "B": safe(3, ("x", "y", "z")), "C": safe(8, ("x", "y", "z")),
                      "D": safe(40, ("x", "y", "z"))})


def audit(table, suppressed, settings=SETTINGS, **kw):
    problem = Problem([table], settings)
    x = np.zeros(problem.n, dtype=bool)
    for coords in suppressed:
        x[problem.index[table.key(coords)]] = True
    return problem, Auditor(problem).run(x, insiders=settings.insiders, **kw)


def test_primary_suppression_alone_is_recomputed_from_the_margin():
    table = leaky_table()
    problem, report = audit(table, [("A",)])
    assert not report.ok
    (row,) = report.cells
    assert row.where == "t A" and row.recomputable and row.lower == row.upper == 50
    assert (row.required_lower, row.required_upper) == (45, 55)
    assert {(f.attacker, f.side) for f in report.failures if f.attacker == "outsider"} == {
        ("outsider", "upper"), ("outsider", "lower")}


def test_audit_passes_after_secondary_suppression():
    table = leaky_table()
    result = protect_tables([table])
    assert result.ok
    cells = result.tables[0].cells
    assert [c for c, cell in cells.items() if cell.suppressed] == [("A",), ("C",)]
    assert cells[("C",)].status == "secondary" and cells[("A",)].rules == ("magnitude_caes", "p_percent_caes")
    assert cells[("B",)].value == D(3) and cells[(MARGIN,)].value == D(101)
    # re-audited independently, with every insider LP solved exactly
    _, report = audit(table, [("A",), ("C",)], exact=True)
    assert report.ok
    row = next(r for r in report.cells if r.where == "t A")
    assert (row.lower, row.upper) == (0, 58)  # A + C = 58


def test_too_small_a_complement_narrows_the_cell():
    _, report = audit(leaky_table(), [("A",), ("B",)])
    assert [(f.attacker, f.side, f.bound, f.required) for f in report.failures if f.attacker == "outsider"] == [
        ("outsider", "upper", 53.0, 55.0)]
    assert {f.attacker for f in report.failures} == {"outsider", "cae:a", "cae:x", "cae:y", "cae:z",
                                                     "person:t A", "person:t B"}


def insider_table(person_share=None):
    """P has two CAEs (X, and Y with 5); S is safe, but Y holds 100 of its 140."""
    s_y = money("Y", 100) if person_share is None else money("V", 100, 12, person_share, 1)
    return row_table({"P": [money("X", 500), money("Y", 5)],
                      "S": [s_y, money("Z", 20), money("W", 20)],
                      "T": safe(200, ("q", "r", "s"))})


def test_an_outsider_safe_pattern_leaks_to_the_only_other_contributor():
    table = insider_table()
    outsider_only = DisclosureSettings(insiders=False)
    _, report = audit(table, [("P",), ("S",)], outsider_only)
    assert report.ok
    _, report = audit(table, [("P",), ("S",)])
    assert [(f.attacker, f.side, f.bound, f.required) for f in report.failures] == [
        ("cae:Y", "upper", 545.0, 555.5)]  # Y knows S >= 100, so P <= 645 - 100
    # protection chooses T, dearer than S, because of Y
    assert [c for c, cell in protect_tables([table], outsider_only).tables[0].cells.items()
            if cell.suppressed] == [("P",), ("S",)]
    result = protect_tables([table])
    assert result.ok
    assert [c for c, cell in result.tables[0].cells.items() if cell.suppressed] == [("P",), ("T",)]


def test_an_entrepreneur_who_knows_their_own_figure():
    table = insider_table(person_share=95)  # one person of V has 95 of S
    _, report = audit(table, [("P",), ("S",)], exact=True)
    attackers = {f.attacker for f in report.failures}
    assert "person:t S" in attackers and "cae:V" in attackers
    bound = next(f.bound for f in report.failures if f.attacker == "person:t S")
    assert bound == pytest.approx(645 - 95)
    assert protect_tables([table]).ok


def test_insider_lower_requirement_is_capped_by_its_own_part():
    # X owns 500 of P's 505: X cannot be kept from knowing P >= 500, only from learning Y's part.
    table = insider_table()
    _, report = audit(table, [("P",), ("T",)], exact=True)
    assert report.ok
    row = next(r for r in report.cells if r.where == "t P")
    assert row.insider_lower == 500 and row.insider_lower_by == "cae:X"


def count_table():
    return row_table({"A": [heads("a", 1)], "B": [heads("b", 1), heads("c", 1), heads("g", 1), heads("h", 2)],
                      "C": [heads("b", 3), heads("d", 3)],
                      "D": [heads("e", 5), heads("f", 4)]}, kind=Kind.COUNT, measure="people")


@pytest.mark.parametrize(("labels", "complement"), [(Labels.SECRET, "B"), (Labels.KIND, "C"), (Labels.RULE, "B")])
def test_what_the_labels_tell_is_known_to_the_attacker(labels, complement):
    # A = 1 person. Its protection is 3 people above. With B (5) suppressed as "secondary", B is
    # known to have at least 3 people, so A <= 6 - 3 = 3 < 4: only C (6) will do. Published
    # as a bare "s", B is only known to be >= 1 (h, its largest CAE, knows >= 2: A <= 4 still).
    # With the rules published, A is known to be <= 2, which is all the protection left to give.
    settings = DisclosureSettings(labels=labels)
    result = protect_tables([count_table()], settings)
    assert result.ok
    assert [c for c, cell in result.tables[0].cells.items() if cell.suppressed] == [("A",), (complement,)]
    _, report = audit(count_table(), [("A",), ("B",)], settings)
    assert report.ok is (complement == "B")


def test_linked_tables_are_audited_together():
    region = Dimension("region", ("R1", "R2"))
    gender = Dimension("gender", ("F", "M"))
    people = [("a", "R1", "F", 20), ("a", "R1", "M", 30)] + [
        (cae, "R2", g, 40) for cae in ("b", "c", "d") for g in ("F", "M")]

    def contributions(key):
        sums = {}
        for cae, r, g, amount in people:  # 12 people with equal shares per line
            slot = sums.setdefault(key(r, g), {}).setdefault(cae, [0, 0])
            slot[0] += amount
            slot[1] += 12
        return {coords: [money(cae, total, n, max(a for c, _, _, a in people if c == cae) / 12,
                               max(a for c, _, _, a in people if c == cae) / 12)
                         for cae, (total, n) in by_cae.items()] for coords, by_cae in sums.items()}

    by_region = build_table(name="region", measure="revenue", kind=Kind.MAGNITUDE, dimensions=(region,),
                            contributions=contributions(lambda r, g: (r,)))
    by_gender = build_table(name="gender", measure="revenue", kind=Kind.MAGNITUDE, dimensions=(region, gender),
                            contributions=contributions(lambda r, g: (r, g)))
    # Safe in the region table alone: R1 + R2 = 290 with both hidden.
    alone = audit_tables([by_region], {"region": {("R1",), ("R2",)}})
    assert [r.ok for r in alone] == [True]
    # But the gender table publishes R2's total, hence R1 = 290 - 240.
    linked = audit_tables([by_region, by_gender], {
        "region": {("R1",), ("R2",)}, "gender": {("R1", "F"), ("R1", "M"), ("R1", MARGIN)}})
    assert len(linked) == 1 and not linked[0].ok
    result = protect_tables([by_region, by_gender])
    assert result.ok and len(result.components) == 1
    region_cells, gender_cells = (t.cells for t in result.tables)
    assert region_cells[("R1",)].suppressed and gender_cells[("R1", MARGIN)].suppressed
    assert region_cells[("R2",)].status == gender_cells[("R2", MARGIN)].status
    assert region_cells[(MARGIN,)].status == gender_cells[(MARGIN, MARGIN)].status


def test_protection_gives_up_in_time_rather_than_hold_the_page():
    """protection_seconds bounds the secondary suppression: past it, a ProtectionError (which
    release_create turns into a French refusal) instead of a page that never answers."""
    from network.stats.secondary import ProtectionError, optimal_pattern

    table = leaky_table()
    with pytest.raises(ProtectionError, match="n'a pas abouti en 0 s"):
        optimal_pattern(Problem([table], DisclosureSettings(protection_seconds=0)))
    pattern = optimal_pattern(Problem([table], DisclosureSettings(master_seconds=1)))
    assert pattern.audit.ok and pattern.optimal  # a small master solves well within its limit
