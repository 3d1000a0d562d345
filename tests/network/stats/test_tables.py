from decimal import Decimal

import pytest

from network.stats import MARGIN, Contribution, Dimension, Kind, build_table
from network.stats.model import Problem, components
from network.stats.rules import DEFAULT_SETTINGS

from .helpers import heads, money

D = Decimal


def test_margins_are_sums_and_keep_the_two_largest_people():
    region = Dimension("region", ("N", "S"))
    sector = Dimension("sector", ("x", "y"))
    table = build_table(name="t", measure="revenue", kind=Kind.MAGNITUDE, dimensions=(region, sector), contributions={
        ("N", "x"): [money("a", 100, 3, 50, 30), money("b", 40, 2, 30, 10)],
        ("N", "y"): [money("a", 70, 2, 60, 10)],
        ("S", "x"): [money("c", 5, 1)],
    })
    cells = table.cells
    assert cells[("N", MARGIN)].value == D(210) and cells[("N", MARGIN)].people == 7
    assert cells[("N", MARGIN)].shares["a"].total == D(170)
    assert (cells[("N", MARGIN)].shares["a"].top1, cells[("N", MARGIN)].shares["a"].top2) == (D(60), D(50))
    assert (cells[("N", MARGIN)].top1, cells[("N", MARGIN)].top2) == (D(60), D(50))
    assert cells[(MARGIN, "x")].value == D(145) and set(cells[(MARGIN, "x")].shares) == {"a", "b", "c"}
    assert cells[(MARGIN, MARGIN)].value == D(215) and cells[(MARGIN, MARGIN)].people == 8
    assert cells[("S", "y")].empty and cells[("S", "y")].value == 0
    assert len(cells) == 9


def test_equations_in_one_two_and_three_dimensions():
    a, b, c = Dimension("a", ("1", "2")), Dimension("b", ("x", "y", "z")), Dimension("c", ("p", "q"))
    one = build_table(name="1", measure="m", kind=Kind.COUNT, dimensions=(a,), contributions={})
    assert one.equations() == [((MARGIN,), (("1",), ("2",)))]
    two = build_table(name="2", measure="m", kind=Kind.COUNT, dimensions=(a, b), contributions={})
    # rows (3 cells each, for a = 1, 2, *) and columns (for b = x, y, z, *)
    assert len(two.equations()) == 3 + 4
    assert ((MARGIN, MARGIN), ((MARGIN, "x"), (MARGIN, "y"), (MARGIN, "z"))) in two.equations()
    assert ((MARGIN, MARGIN), (("1", MARGIN), ("2", MARGIN))) in two.equations()
    three = build_table(name="3", measure="m", kind=Kind.COUNT, dimensions=(a, b, c), contributions={})
    # every cell with k margins has k equations: 3*4*3 cells in all
    assert len(three.equations()) == sum(
        (x == MARGIN) + (y == MARGIN) + (z == MARGIN) for x, y, z in three.cells)
    for parent, children in three.equations():
        assert all(sum(p != q for p, q in zip(parent, child, strict=True)) == 1 for child in children)


def test_grouped_dimension_has_two_levels_and_links_to_a_flat_region_table():
    dept = Dimension("department", ("d1", "d2", "d3"), groups={"d1": "R1", "d2": "R1", "d3": "R2"},
                     group_name="region")
    by_dept = build_table(name="dept", measure="people", kind=Kind.COUNT, dimensions=(dept,), contributions={
        ("d1",): [heads("a", 4)], ("d2",): [heads("b", 5)], ("d3",): [heads("c", 6)]})
    assert by_dept.cells[("R1",)].value == 9 and by_dept.cells[(MARGIN,)].value == 15
    assert sorted(by_dept.equations()) == sorted([((MARGIN,), (("R1",), ("R2",))), (("R1",), (("d1",), ("d2",))),
                                                  (("R2",), (("d3",),))])
    region = Dimension("region", ("R1", "R2"))
    gender = Dimension("gender", ("F", "M"))
    by_region = build_table(name="region", measure="people", kind=Kind.COUNT, dimensions=(gender, region),
                            contributions={("F", "R1"): [heads("a", 4), heads("b", 2)], ("M", "R1"): [heads("b", 3)],
                                           ("M", "R2"): [heads("c", 6)]})
    assert by_region.key((MARGIN, "R1")) == by_dept.key(("R1",)) == ("people", (("region", "R1"),))
    assert len(components([by_dept, by_region])) == 1
    problem = Problem([by_dept, by_region], DEFAULT_SETTINGS)
    shared = problem.index[("people", (("region", "R1"),))]
    assert {t for t, _ in problem.refs[shared]} == {0, 1}


def test_linked_cells_must_agree():
    region = Dimension("region", ("R1", "R2"))
    t1 = build_table(name="a", measure="people", kind=Kind.COUNT, dimensions=(region,),
                     contributions={("R1",): [heads("a", 4)]})
    t2 = build_table(name="b", measure="people", kind=Kind.COUNT, dimensions=(region,),
                     contributions={("R1",): [heads("a", 5)]})
    with pytest.raises(ValueError, match="differs"):
        Problem([t1, t2], DEFAULT_SETTINGS)


@pytest.mark.parametrize("contribution", [
    Contribution("a", D(-1), 1, D(-1)),
    Contribution("a", D(10), 0),
    Contribution("a", D(10), 1, D(9)),
    Contribution("a", D(10), 3, D(4), D(7)),
    Contribution("a", D(10), 3, D(6), D(5)),
])
def test_inconsistent_magnitude_contributions_are_refused(contribution):
    dim = Dimension("s", ("x",))
    with pytest.raises(ValueError):
        build_table(name="t", measure="m", kind=Kind.MAGNITUDE, dimensions=(dim,),
                    contributions={("x",): [contribution]})


def test_count_contributions_and_coordinates_are_checked():
    dim = Dimension("s", ("x", "y"))
    with pytest.raises(ValueError, match="number of people"):
        build_table(name="t", measure="m", kind=Kind.COUNT, dimensions=(dim,),
                    contributions={("x",): [Contribution("a", D(3), 2)]})
    with pytest.raises(ValueError, match="interior"):
        build_table(name="t", measure="m", kind=Kind.COUNT, dimensions=(dim,), contributions={(MARGIN,): []})
    with pytest.raises(ValueError, match="twice"):
        build_table(name="t", measure="m", kind=Kind.COUNT, dimensions=(dim,),
                    contributions={("x",): [heads("a", 1), heads("a", 2)]})
    table = build_table(name="t", measure="m", kind=Kind.COUNT, dimensions=(dim,),
                        contributions={("x",): [heads("a", 2)]})
    assert (table.cells[("x",)].top1, table.cells[("x",)].top2) == (D(1), D(1))
    with pytest.raises(ValueError):
        Dimension("s", ("x", MARGIN))
