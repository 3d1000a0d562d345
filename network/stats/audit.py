"""Audit of a suppression pattern by linear programming (HiGHS).

For each suppressed cell the attacker's tightest bounds are min and max of the cell over every
table consistent with what they know:

- every published cell (fixed at its value), every empty cell (0),
- the additive equations of the linked tables,
- non-negativity and what the labels imply (:meth:`Problem._public_bounds`),
- for an insider, a lower bound on each cell: its own part (a CAE knows its part of every cell;
  the largest person of a cell knows their figure, so that cell and its margins are at least it).

A sensitive cell is protected against an attacker when the attacker's interval reaches
``value + protection`` above and ``value - protection`` below, each capped by what the attacker
knew beforehand (an insider who owns 95 % of a cell cannot be kept from knowing it is at least
that; the others' part must stay as uncertain as the protection asks).

Only the attackers that know more than the outsider about a suppressed cell need a round, and in
a round only the LPs whose outsider optimum violates the insider's extra bounds are re-solved (an
optimum that satisfies them stays optimal on the smaller feasible set). One HiGHS model serves
every LP: only the objective and the bounds change, so each solve starts from the last basis.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import highspy
import numpy as np

from network.stats.model import OUTSIDER, Attacker, Problem

INF = highspy.kHighsInf
UPPER, LOWER = "upper", "lower"
_SETTLED = (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kUnbounded,
            highspy.HighsModelStatus.kUnboundedOrInfeasible)


def tolerance(required: float) -> float:
    return 1e-6 * abs(required) + 1e-7


@dataclass(frozen=True)
class Finding:
    """A sensitive cell that an attacker narrows closer than the protection asks."""

    cell: int
    where: str
    attacker: str  # "outsider", "cae:<id>", "person:<table cell>"
    side: str  # "upper" | "lower"
    bound: float  # the attacker's bound
    required: float  # the bound should reach at least this far (above) / down to this (below)


@dataclass
class CellBounds:
    cell: int
    where: str
    value: float
    primary: bool
    lower: float  # outsider's bounds
    upper: float
    required_lower: float | None = None  # outsider's requirement (sensitive cells only)
    required_upper: float | None = None
    insider_lower: float | None = None  # tightest over insiders (sensitive cells only)
    insider_upper: float | None = None
    insider_lower_by: str | None = None
    insider_upper_by: str | None = None
    # False when the insider's bound was not solved for: a table the insider cannot rule out
    # reaches the requirement, so the true bound lies at least that far (faster, same verdict).
    insider_lower_exact: bool = True
    insider_upper_exact: bool = True
    recomputable: bool = False  # both bounds equal the value


@dataclass
class AuditReport:
    cells: list[CellBounds] = field(default_factory=list)
    failures: list[Finding] = field(default_factory=list)
    insider_rounds: int = 0
    lp_solves: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class Cut:
    """sum(coeff[i] * x[i]) >= 1 over cells i (x[i] = 1 when suppressed): every pattern that
    protects the cell against this attacker satisfies it (LP duality, see docs/stats.md)."""

    cells: np.ndarray
    coeffs: np.ndarray


class Auditor:
    def __init__(self, problem: Problem):
        self.problem = problem
        p = problem
        h = self.h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("presolve", "off")  # tiny LPs re-solved from the previous basis
        lp = highspy.HighsLp()
        lp.num_col_ = p.n
        lp.num_row_ = len(p.equations)
        lp.col_cost_ = np.zeros(p.n)
        lp.col_lower_ = p.value.copy()
        lp.col_upper_ = p.value.copy()
        lp.row_lower_ = np.zeros(len(p.equations))
        lp.row_upper_ = np.zeros(len(p.equations))
        columns: list[list[tuple[int, float]]] = [[] for _ in range(p.n)]
        for r, (parent, kids) in enumerate(p.equations):
            columns[parent].append((r, -1.0))
            for k in kids:
                columns[k].append((r, 1.0))
        starts, index, values = [0], [], []
        for col in columns:
            for r, v in col:
                index.append(r)
                values.append(v)
            starts.append(len(index))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(values, dtype=float)
        h.passModel(lp)
        self._cost_at: int | None = None
        self._low, self._up = p.value.copy(), p.value.copy()  # the LP's current column bounds
        self._priors: dict[tuple[str, str, int, str], float] = {}
        self.solves = 0

    # -- LP plumbing ---------------------------------------------------------------------------

    def _set_bounds(self, idx: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        self._low[idx] = lower
        self._up[idx] = upper
        if len(idx):
            up = np.where(np.isinf(upper), INF, upper)
            self.h.changeColsBounds(len(idx), idx.astype(np.int32), lower.astype(float), up.astype(float))

    def _solve(self, cell: int, side: str) -> tuple[float, np.ndarray, np.ndarray]:
        """The attacker's bound of the cell on that side, the optimal table and reduced costs."""
        h = self.h
        if self._cost_at is not None and self._cost_at != cell:
            h.changeColCost(self._cost_at, 0.0)
        h.changeColCost(cell, -1.0 if side == UPPER else 1.0)
        self._cost_at = cell
        h.run()
        self.solves += 1
        status = h.getModelStatus()
        if status not in _SETTLED:
            # Rarely the hot-started simplex stops without a verdict: solve afresh.
            h.clearSolver()
            h.run()
            self.solves += 1
            status = h.getModelStatus()
        if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            # The true table is feasible, so this is unboundedness: the cell can be anything above.
            return math.inf, np.zeros(0), np.zeros(0)
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"audit LP for {self.problem.describe(cell)}: {h.modelStatusToString(status)}")
        solution = h.getSolution()
        x = np.asarray(solution.col_value)
        return float(x[cell]), x, np.asarray(solution.col_dual)

    def _cut(self, low: np.ndarray, up: np.ndarray, d: np.ndarray, rhs: float) -> Cut | None:
        """From the reduced costs d = c - A'λ of the failing LP, for every pattern x:
        attainable deviation <= sum_i x_i (d_i⁺ (value_i - low_i) + d_i⁻ (up_i - value_i)).
        Protection needs that to reach rhs; coefficients are capped at rhs (still valid for 0/1 x)."""
        p = self.problem
        if not len(d):
            return None
        dp = np.where(d > 1e-9, d, 0.0)
        dm = np.where(d < -1e-9, -d, 0.0)
        span_up = up - p.value
        with np.errstate(invalid="ignore"):
            upward = np.where(dm > 0, np.where(np.isinf(span_up), rhs, dm * span_up), 0.0)
        coeff = np.minimum((dp * (p.value - low) + upward) / rhs, 1.0)
        coeff[p.empty] = 0.0
        coeff[coeff < 1e-9] = 0.0
        cells = np.flatnonzero(coeff)
        return Cut(cells, coeff[cells])

    # -- the audit -----------------------------------------------------------------------------

    def attacker_bounds(self, attacker: Attacker) -> tuple[np.ndarray, np.ndarray]:
        """What the attacker knows of each cell if it is suppressed."""
        p = self.problem
        low = p.public_lower.copy()
        if len(attacker.cells):
            own = np.minimum(attacker.lower, p.value[attacker.cells])
            low[attacker.cells] = np.maximum(low[attacker.cells], own)
        return low, p.public_upper

    def run(self, suppressed: np.ndarray, *, insiders: bool = True, cuts: list[Cut] | None = None,
            stop_at_outsider: bool = False, exact: bool = False) -> AuditReport:
        """Audit a pattern (suppressed[i] true when cell i is suppressed). With ``cuts``, append a
        cut for each failing (attacker, cell, side); with ``stop_at_outsider``, skip the insider
        rounds when the outsider already finds a leak; with ``exact``, solve every insider LP that
        the outsider's optimum does not answer instead of accepting a witness table."""
        started = time.perf_counter()
        solves_before = self.solves
        p = self.problem
        supp = np.asarray(suppressed, dtype=bool) & ~p.empty
        report = AuditReport()
        all_idx = np.arange(p.n)
        base_low = np.where(supp, p.public_lower, p.value)
        base_up = np.where(supp, p.public_upper, p.value)
        self._set_bounds(all_idx, base_low, base_up)

        targets = np.flatnonzero(supp)
        sensitive = [int(c) for c in targets if p.primary[c]]
        outsider_x: dict[tuple[int, str], np.ndarray] = {}
        outsider_bound: dict[tuple[int, str], float] = {}
        out_low, out_up = self.attacker_bounds(OUTSIDER)
        rows = {}
        for c in targets:
            c = int(c)
            bounds = {}
            for side in (UPPER, LOWER):
                bound, x, d = self._solve(c, side)
                bounds[side] = bound
                if p.primary[c]:
                    outsider_x[(c, side)] = x
                    outsider_bound[(c, side)] = bound
                    self._check(report, c, side, bound, OUTSIDER, out_low, out_up, d, cuts, supp)
            row = CellBounds(c, p.describe(c), float(p.value[c]), bool(p.primary[c]), float(bounds[LOWER]) + 0.0,
                             float(bounds[UPPER]))
            row.recomputable = (abs(bounds[UPPER] - p.value[c]) <= tolerance(p.value[c])
                                and abs(bounds[LOWER] - p.value[c]) <= tolerance(p.value[c]))
            if p.primary[c]:
                row.required_lower = self._requirement(c, LOWER, out_low, out_up, OUTSIDER, bounds[LOWER])
                row.required_upper = self._requirement(c, UPPER, out_low, out_up, OUTSIDER, bounds[UPPER])
            rows[c] = row
        report.cells = [rows[int(c)] for c in targets]

        if insiders and sensitive and not (stop_at_outsider and report.failures):
            keys = [(c, side) for c in sensitive for side in (UPPER, LOWER)]
            bounded = [k for k in keys if len(outsider_x[k])]
            xs = np.vstack([outsider_x[k] for k in bounded]) if bounded else np.zeros((0, p.n))
            pool = [xs]  # optimal tables found so far: feasible for whoever knows no more than they say
            for attacker in (*p.cae_attackers(), *p.person_attackers()):
                low, up = self.attacker_bounds(attacker)
                idx = targets[low[targets] > base_low[targets] + 1e-9]
                if not len(idx):
                    continue
                report.insider_rounds += 1
                violated = {bounded[r] for r in np.flatnonzero((xs[:, idx] < low[idx] - 1e-7).any(axis=1))}
                witnesses = None
                if not exact:
                    known = np.vstack(pool) if len(pool) > 1 else xs
                    if len(pool) > 1:
                        pool[:] = [known]
                    witnesses = known[(known[:, idx] >= low[idx] - 1e-7).all(axis=1)]
                self._set_bounds(idx, low[idx], base_up[idx])
                name = f"{attacker.kind}:{attacker.label}"
                for key in keys:
                    c, side = key
                    if math.isinf(outsider_bound[key]):  # extra lower bounds cannot bound it above
                        self._record(rows[c], side, math.inf, name)
                        continue
                    if witnesses is not None and key in violated and len(witnesses):
                        # A table this insider cannot rule out already reaches the requirement.
                        w = witnesses[:, c].max() if side == UPPER else witnesses[:, c].min()
                        if self._passes(c, side, w, low, up, attacker):
                            self._record(rows[c], side, w, name, exact=False)
                            continue
                    d = np.zeros(0)
                    if key in violated:
                        bound, x, d = self._solve(c, side)
                        if witnesses is not None and len(x):
                            pool.append(x[None, :])
                    else:  # the outsider's optimum is still feasible, hence optimal
                        bound = outsider_bound[key]
                    self._record(rows[c], side, bound, name)
                    if self._passes(c, side, bound, low, up, attacker):
                        continue
                    if cuts is not None and not len(d):
                        bound, x, d = self._solve(c, side)  # the duals of this attacker's LP, for the cut
                    self._check(report, c, side, bound, attacker, low, up, d, cuts, supp)
                self._set_bounds(idx, base_low[idx], base_up[idx])
        report.lp_solves = self.solves - solves_before
        report.seconds = time.perf_counter() - started
        return report

    def _requirement(self, c: int, side: str, low: np.ndarray, up: np.ndarray, attacker: Attacker,
                     bound: float) -> float:
        """How far the attacker's bound must reach: value ± protection, but never beyond what the
        attacker can derive with nothing published (its own bounds, the labels, the equations:
        e.g. a count margin over two non-empty cells is known to be at least 2)."""
        p = self.problem
        v, prot = p.value[c], p.protection[c]
        simple = min(v + prot, up[c]) if side == UPPER else max(v - prot, low[c])
        if self._meets(c, side, bound, simple):
            return float(simple)
        prior = self._prior(c, side, low, up, attacker)
        return float(min(simple, prior) if side == UPPER else max(simple, prior))

    def _meets(self, c: int, side: str, bound: float, required: float) -> bool:
        v = self.problem.value[c]
        if side == UPPER:
            return bound >= required - tolerance(required - v)
        return bound <= required + tolerance(v - required)

    def _passes(self, c: int, side: str, bound: float, low: np.ndarray, up: np.ndarray, attacker: Attacker) -> bool:
        return self._meets(c, side, bound, self._requirement(c, side, low, up, attacker, bound))

    def _prior(self, c: int, side: str, low: np.ndarray, up: np.ndarray, attacker: Attacker) -> float:
        """The attacker's bound with every non-empty cell suppressed (cached: it does not depend
        on the pattern)."""
        key = (attacker.kind, attacker.label, c, side)
        if key not in self._priors:
            p = self.problem
            saved_low, saved_up = self._low.copy(), self._up.copy()
            every = np.arange(p.n)
            self._set_bounds(every, np.where(p.empty, 0.0, low), np.where(p.empty, 0.0, up))
            self._priors[key] = self._solve(c, side)[0]
            self._set_bounds(every, saved_low, saved_up)
        return self._priors[key]

    @staticmethod
    def _record(row: CellBounds, side: str, bound: float, name: str, *, exact: bool = True) -> None:
        bound = float(bound) + 0.0  # no -0.0
        if side == UPPER:
            if row.insider_upper is None or bound < row.insider_upper:
                row.insider_upper, row.insider_upper_by, row.insider_upper_exact = bound, name, exact
        elif row.insider_lower is None or bound > row.insider_lower:
            row.insider_lower, row.insider_lower_by, row.insider_lower_exact = bound, name, exact

    def _check(self, report: AuditReport, c: int, side: str, bound: float, attacker: Attacker,
               low: np.ndarray, up: np.ndarray, d: np.ndarray, cuts: list[Cut] | None,
               supp: np.ndarray) -> None:
        p = self.problem
        required = self._requirement(c, side, low, up, attacker, bound)
        if self._meets(c, side, bound, required):
            return
        name = "outsider" if attacker.kind == "outsider" else f"{attacker.kind}:{attacker.label}"
        report.failures.append(Finding(c, p.describe(c), name, side, float(bound), float(required)))
        if cuts is not None:
            v = p.value[c]
            rhs = (required - v) if side == UPPER else (v - required)
            cut = self._cut(low, up, d, rhs)
            if cut is None or cut.coeffs[supp[cut.cells]].sum() >= 1 - 1e-7:
                # No usable duals (or not violated by this pattern through rounding): any
                # protecting pattern must suppress at least one cell published now.
                cells = np.flatnonzero(~supp & ~p.empty)
                cut = Cut(cells, np.ones(len(cells)))
            cuts.append(cut)
