"""Property tests over random tables: one dimension (2 to 4 categories), two dimensions (up to
4 × 4, margins included), and two linked tables sharing a margin (random contributors)."""

import itertools
from decimal import Decimal

import highspy
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from network.stats import (
    Contribution,
    Dimension,
    DisclosureSettings,
    Kind,
    Labels,
    Rule,
    build_table,
    protect_tables,
)
from network.stats.audit import Auditor
from network.stats.model import Problem
from network.stats.rules import primary_rules
from network.stats.secondary import heuristic_pattern, optimal_pattern

D = Decimal
SETTINGS = DisclosureSettings()
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LINKED = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def tables(draw, kind=None):
    ndims = draw(st.integers(1, 2))
    dims = [Dimension(f"d{k}", tuple(f"c{j}" for j in range(draw(st.integers(2, 4))))) for k in range(ndims)]
    kind = kind or draw(st.sampled_from(list(Kind)))
    contributions = {}
    for coords in itertools.product(*(d.categories for d in dims)):
        items = []
        for cae in draw(st.lists(st.sampled_from("abcde"), unique=True, max_size=4)):
            people = draw(st.integers(1, 13))
            if kind is Kind.COUNT:
                items.append(Contribution(cae, D(people), people))
                continue
            amounts = sorted(draw(st.lists(st.integers(0, 1000), min_size=people, max_size=people)), reverse=True)
            items.append(Contribution(cae, D(sum(amounts)), people, D(amounts[0]),
                                      D(amounts[1]) if people > 1 else D(0)))
        contributions[coords] = items
    return build_table(name="t", measure="m", kind=kind, dimensions=dims, contributions=contributions)


def reference_outsider_bounds(tables, suppressed: set, s: DisclosureSettings):
    """Independent statement of the outsider's LP over linked tables: one variable per suppressed
    cell (by key: a cell shared by two tables is one), published cells moved to the right-hand
    side of each equation of each table. `suppressed` holds (table name, coords)."""
    cells = {}
    for table in tables:
        for coords, cell in table.cells.items():
            cells[table.key(coords)] = (table, cell)
    order = sorted({t.key(coords) for t in tables for coords in t.cells if (t.name, coords) in suppressed})
    col = {key: i for i, key in enumerate(order)}
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    lows = []
    for key in order:
        table, cell = cells[key]
        if table.kind is Kind.COUNT:
            lows.append(1.0 if primary_rules(cell, table.kind, s) else float(s.count_min_people))
        else:
            lows.append(0.0)
    h.addVars(len(order), np.array(lows), np.full(len(order), highspy.kHighsInf))
    for table in tables:
        for parent, children in table.equations():
            terms = {}
            rhs = 0.0
            for coords, sign in [(parent, -1.0)] + [(c, 1.0) for c in children]:
                key = table.key(coords)
                if key in col:
                    terms[col[key]] = terms.get(col[key], 0.0) + sign
                else:
                    rhs -= sign * float(table.cells[coords].value)
            if terms:
                h.addRow(rhs, rhs, len(terms), np.array(list(terms), dtype=np.int32), np.array(list(terms.values())))
    out = {}
    for key in order:
        bounds = []
        for sense in (1.0, -1.0):
            h.changeColsCost(len(order), np.arange(len(order), dtype=np.int32), np.zeros(len(order)))
            h.changeColCost(col[key], sense)
            h.run()
            status = h.getModelStatus()
            if status != highspy.HighsModelStatus.kOptimal:
                bounds.append(np.inf)
            else:
                bounds.append(sense * h.getInfo().objective_function_value)
        out[key] = tuple(bounds)
    return out


def check_protected(tables, result):
    """Every cell as the rules say, published values unchanged, a shared cell one status in all
    its tables, an exact independent audit passes, and the outsider's bounds equal a separately
    written LP."""
    assert result.ok
    status_by_key = {}
    for table, shown in zip(tables, result.tables, strict=True):
        for coords, cell in table.cells.items():
            out = shown.cells[coords]
            rules = primary_rules(cell, table.kind)
            if cell.empty:
                assert out.value == 0 and out.status == "empty"
            elif rules:
                assert out.value is None and out.rules == rules
            elif out.value is None:
                assert out.rules == (Rule.SECONDARY,)
            else:
                assert out.value == cell.value  # published cells are never changed
            assert status_by_key.setdefault(table.key(coords), out.status) == out.status
    assert len(result.components) == 1
    component = result.components[0]
    report = Auditor(component.problem).run(component.pattern.suppressed, exact=True)
    assert report.ok, report.failures
    for row in report.cells:
        if row.primary:
            assert row.lower <= row.required_lower + 1e-6 and row.upper >= row.required_upper - 1e-6
    suppressed = {(t.name, coords) for t, shown in zip(tables, result.tables, strict=True)
                  for coords, out in shown.cells.items() if out.value is None}
    reference = reference_outsider_bounds(tables, suppressed, SETTINGS)
    for row in report.cells:
        low, up = reference[component.problem.keys[row.cell]]
        assert abs(row.lower - low) <= 1e-6 * max(1, abs(low))
        assert (np.isinf(up) and np.isinf(row.upper)) or abs(row.upper - up) <= 1e-6 * max(1, abs(up))


@PROPERTY
@given(tables())
def test_after_protection_no_attacker_narrows_a_sensitive_cell(table):
    check_protected([table], protect_tables([table]))


@st.composite
def linked_tables(draw):
    """Two tables of one measure, d0 × d1 and d0 × d2, built from the same people: they share
    the d0 margin (a row total is one cell of both) and the grand total."""
    kind = draw(st.sampled_from(list(Kind)))
    sizes = [draw(st.integers(2, 3)) for _ in range(3)]
    dims = [Dimension(f"d{k}", tuple(f"c{j}" for j in range(n))) for k, n in enumerate(sizes)]
    people = draw(st.lists(st.tuples(st.sampled_from("abcd"), *(st.integers(0, n - 1) for n in sizes),
                                     st.integers(0, 1000)), min_size=1, max_size=45))

    def contributions(axes):
        acc = {}
        for cae, *where, amount in people:
            coords = tuple(dims[k].categories[where[k]] for k in axes)
            acc.setdefault(coords, {}).setdefault(cae, []).append(D(amount))
        out = {}
        for coords, by_cae in acc.items():
            out[coords] = []
            for cae, amounts in sorted(by_cae.items()):
                if kind is Kind.COUNT:
                    out[coords].append(Contribution(cae, D(len(amounts)), len(amounts)))
                    continue
                top = sorted(amounts, reverse=True) + [D(0), D(0)]
                out[coords].append(Contribution(cae, sum(amounts, D(0)), len(amounts), top[0],
                                                top[1] if len(amounts) > 1 else D(0)))
        return out

    return [build_table(name=name, measure="m", kind=kind, dimensions=(dims[0], dims[k]),
                        contributions=contributions((0, k))) for name, k in (("a", 1), ("b", 2))]


@LINKED
@given(linked_tables())
def test_linked_tables_are_protected_together(tables):
    a, b = tables
    assert a.key(("c0", "*")) == b.key(("c0", "*")) and a.key(("*", "*")) == b.key(("*", "*"))
    result = protect_tables(tables)
    check_protected(tables, result)
    # and jointly the optimum never costs more than a heuristic pattern that passes the audit
    problem = result.components[0].problem
    heuristic = heuristic_pattern(problem)
    if heuristic.audit.ok:
        optimal = result.components[0].pattern
        assert optimal.cost(problem) <= heuristic.cost(problem) * (1 + 1e-7) + 1e-7


@PROPERTY
@given(tables(), st.sampled_from(list(Labels)))
def test_optimum_never_costs_more_than_a_heuristic_that_passes(table, labels):
    # Not a heuristic property: the heuristic's pattern, when it passes the audit, satisfies
    # every cut, so the exact optimum of the same problem costs at most as much.
    problem = Problem([table], DisclosureSettings(labels=labels))
    optimal = optimal_pattern(problem)
    heuristic = heuristic_pattern(problem)
    assert optimal.audit.ok
    assert optimal.suppressed[problem.primary].all() and not optimal.suppressed[problem.empty].any()
    if heuristic.audit.ok:
        assert optimal.cost(problem) <= heuristic.cost(problem) * (1 + 1e-7) + 1e-7


@PROPERTY
@given(tables(), st.randoms(use_true_random=False))
def test_cuts_are_satisfied_by_every_protecting_pattern(table, rnd):
    problem = Problem([table], SETTINGS)
    auditor = Auditor(problem)
    free = np.flatnonzero(~problem.primary & ~problem.empty)

    def random_pattern():
        x = problem.primary.copy()
        for i in free:
            x[i] = rnd.random() < 0.4
        return x

    cuts = []
    auditor.run(random_pattern(), cuts=cuts)
    for _ in range(6):
        y = random_pattern()
        if auditor.run(y, exact=True).ok:
            for cut in cuts:
                assert cut.coeffs[y[cut.cells]].sum() >= 1 - 1e-6
    optimal = optimal_pattern(problem, auditor).suppressed
    for cut in cuts:
        assert cut.coeffs[optimal[cut.cells]].sum() >= 1 - 1e-6


@PROPERTY
@given(tables(kind=Kind.MAGNITUDE))
def test_the_people_p_rule_never_fires_without_the_cae_one(table):
    for cell in table.cells.values():
        rules = primary_rules(cell, table.kind)
        if Rule.P_PERCENT_PEOPLE in rules:
            assert Rule.P_PERCENT_CAES in rules
