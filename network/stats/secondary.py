"""Secondary suppression: which non-sensitive cells to suppress as well.

``optimal_pattern`` solves, with HiGHS, the mixed-integer problem

    minimise  sum_i (value_i + tie) x_i     over x_i in {0, 1} (1 = suppressed)
    subject to x_i = 1 for sensitive cells, x_i = 0 for empty cells,
               every protection requirement of every attacker,

by the cutting-plane (Benders) method of Fischetti and Salazar: the master problem starts with
"no sensitive cell alone suppressed in an equation" and is re-solved after adding, for every
requirement the audit finds violated (outsider first, then each CAE and person insider), the cut
derived from the dual of the failing attacker LP (:meth:`Auditor._cut`). Each cut is valid for
every pattern, so the master stays a relaxation of the true problem; it stops when the audit of
the master's optimum passes, which is then an optimum of the true problem.

``heuristic_pattern`` is the baseline: in each equation where a cell is alone suppressed, also
suppress the smallest other cell, until no equation has a single suppression.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from network.stats.audit import LOWER, UPPER, Auditor, AuditReport, Cut
from network.stats.model import OUTSIDER, Problem


class ProtectionError(RuntimeError):
    pass


@dataclass
class Pattern:
    suppressed: np.ndarray  # bool per cell of the problem
    audit: AuditReport  # of the final pattern, every round
    iterations: int = 0
    cuts: int = 0
    seconds: float = 0.0

    def cost(self, problem: Problem) -> float:
        return float(problem.weight[self.suppressed].sum())


def _master(problem: Problem, auditor: Auditor) -> highspy.Highs:
    p = problem
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 1e-9)
    h.setOptionValue("mip_abs_gap", 1e-9 * max(1.0, p.tie))
    h.setOptionValue("mip_feasibility_tolerance", 1e-8)
    lower = np.where(p.primary, 1.0, 0.0)
    upper = np.where(p.empty, 0.0, 1.0)
    h.addVars(p.n, lower, upper)
    h.changeColsCost(p.n, np.arange(p.n, dtype=np.int32), p.weight.astype(float))
    h.changeColsIntegrality(p.n, np.arange(p.n, dtype=np.int32),
                            np.array([highspy.HighsVarType.kInteger] * p.n))
    out_low, out_up = auditor.attacker_bounds(OUTSIDER)
    for c in np.flatnonzero(p.primary):
        v = p.value[c]
        if all(auditor._meets(c, side, v, auditor._requirement(c, side, out_low, out_up, OUTSIDER, v))
               for side in (UPPER, LOWER)):
            continue  # known a priori as well as published: no equation needs a second cell
        for e in p.cell_equations[c]:
            parent, kids = p.equations[e]
            others = [i for i in (parent, *kids) if i != c and not p.empty[i]]
            if others:
                h.addRow(1.0, highspy.kHighsInf, len(others), np.array(others, dtype=np.int32), np.ones(len(others)))
    return h


def _add_cut(h: highspy.Highs, cut: Cut) -> None:
    h.addRow(1.0, highspy.kHighsInf, len(cut.cells), cut.cells.astype(np.int32), cut.coeffs.astype(float))


def optimal_pattern(problem: Problem, auditor: Auditor | None = None) -> Pattern:
    started = time.perf_counter()
    p = problem
    auditor = auditor or Auditor(p)
    insiders = p.settings.insiders
    if not p.primary.any():
        return Pattern(np.zeros(p.n, dtype=bool), auditor.run(np.zeros(p.n, dtype=bool), insiders=insiders),
                       seconds=time.perf_counter() - started)
    h = _master(p, auditor)
    seen: set[bytes] = set()
    n_cuts = 0
    for iteration in range(1, p.settings.max_iterations + 1):
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise ProtectionError(f"no suppression pattern protects these tables ({h.modelStatusToString(h.getModelStatus())})")
        x = np.asarray(h.getSolution().col_value) > 0.5
        cuts: list[Cut] = []
        report = auditor.run(x, insiders=insiders, cuts=cuts, stop_at_outsider=True)
        if report.ok:
            return Pattern(x, report, iteration, n_cuts, time.perf_counter() - started)
        signature = np.packbits(x).tobytes()
        if signature in seen:  # rounding let a cut through: forbid the pattern outright
            cells = np.flatnonzero(~x & ~p.empty)
            cuts = [Cut(cells, np.ones(len(cells)))]
        seen.add(signature)
        unique = {}
        for cut in cuts:
            unique[(cut.cells.tobytes(), np.round(cut.coeffs, 9).tobytes())] = cut
        for cut in unique.values():
            _add_cut(h, cut)
        n_cuts += len(unique)
    raise ProtectionError(f"secondary suppression did not converge in {p.settings.max_iterations} iterations")


def heuristic_pattern(problem: Problem, auditor: Auditor | None = None) -> Pattern:
    """The "smallest complementary cell" baseline (not protected against insiders nor against
    narrowing: the audit tells whether its result happens to be safe)."""
    started = time.perf_counter()
    p = problem
    x = p.primary.copy()
    changed = True
    while changed:
        changed = False
        for parent, kids in p.equations:
            cells = [i for i in (parent, *kids) if not p.empty[i]]
            hidden = [i for i in cells if x[i]]
            if len(hidden) == 1:
                others = [i for i in cells if not x[i]]
                if others:
                    x[min(others, key=lambda i: (p.value[i], i))] = True
                    changed = True
    auditor = auditor or Auditor(p)
    report = auditor.run(x, insiders=p.settings.insiders)
    return Pattern(x, report, seconds=time.perf_counter() - started)
