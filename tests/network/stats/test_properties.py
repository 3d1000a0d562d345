"""Property tests over random small tables (one or two dimensions, random contributors)."""

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


@st.composite
def tables(draw, kind=None):
    ndims = draw(st.integers(1, 2))
    dims = [Dimension(f"d{k}", tuple(f"c{j}" for j in range(draw(st.integers(2 if ndims == 1 else 1, 4 - ndims)))))
            for k in range(ndims)]
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


def reference_outsider_bounds(table, suppressed: set, s: DisclosureSettings):
    """Independent statement of the outsider's LP: one variable per suppressed cell, published
    cells moved to the right-hand side of each equation."""
    order = sorted(suppressed)
    col = {coords: i for i, coords in enumerate(order)}
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    lows = []
    for coords in order:
        cell = table.cells[coords]
        if table.kind is Kind.COUNT:
            lows.append(1.0 if primary_rules(cell, table.kind, s) else float(s.count_min_people))
        else:
            lows.append(0.0)
    h.addVars(len(order), np.array(lows), np.full(len(order), highspy.kHighsInf))
    for parent, children in table.equations():
        terms = {}
        rhs = 0.0
        for coords, sign in [(parent, -1.0)] + [(c, 1.0) for c in children]:
            if coords in col:
                terms[col[coords]] = terms.get(col[coords], 0.0) + sign
            else:
                rhs -= sign * float(table.cells[coords].value)
        if terms:
            h.addRow(rhs, rhs, len(terms), np.array(list(terms), dtype=np.int32), np.array(list(terms.values())))
    out = {}
    for coords in order:
        bounds = []
        for sense in (1.0, -1.0):
            h.changeColsCost(len(order), np.arange(len(order), dtype=np.int32), np.zeros(len(order)))
            h.changeColCost(col[coords], sense)
            h.run()
            status = h.getModelStatus()
            if status != highspy.HighsModelStatus.kOptimal:
                bounds.append(np.inf)
            else:
                bounds.append(sense * h.getInfo().objective_function_value)
        out[coords] = tuple(bounds)
    return out


@PROPERTY
@given(tables())
def test_after_protection_no_attacker_narrows_a_sensitive_cell(table):
    result = protect_tables([table])
    assert result.ok
    published = result.tables[0].cells
    problem = result.components[0].problem
    for coords, cell in table.cells.items():
        out = published[coords]
        rules = primary_rules(cell, table.kind)
        if cell.empty:
            assert out.value == 0 and out.status == "empty"
        elif rules:
            assert out.value is None and out.rules == rules
        elif out.value is None:
            assert out.rules == (Rule.SECONDARY,)
        else:
            assert out.value == cell.value  # published cells are never changed
    # an independent audit (fresh LP, every insider LP solved, no witness shortcut) agrees
    x = result.components[0].pattern.suppressed
    report = Auditor(problem).run(x, exact=True)
    assert report.ok, report.failures
    for row in report.cells:
        if row.primary:
            assert row.lower <= row.required_lower + 1e-6 and row.upper >= row.required_upper - 1e-6
    # and the outsider's bounds match a separately written LP
    suppressed = {coords for coords, out in published.items() if out.value is None}
    reference = reference_outsider_bounds(table, suppressed, SETTINGS)
    for row in report.cells:
        coords = tuple(row.where.split(" ", 1)[1].split("/"))
        low, up = reference[coords]
        assert abs(row.lower - low) <= 1e-6 * max(1, abs(low))
        assert (np.isinf(up) and np.isinf(row.upper)) or abs(row.upper - up) <= 1e-6 * max(1, abs(up))


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
