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
the master's optimum passes, which is then an optimum of the true problem. A master solve that hits
``master_seconds`` gives its best pattern so far instead: the audit still decides (so the result
is as safe, perhaps not minimal: ``Pattern.optimal`` says so), and ``protection_seconds`` bounds
the whole.

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
    optimal: bool = True  # False when a master solve hit its time limit (the pattern still passed the audit)

    def cost(self, problem: Problem) -> float:
        return float(problem.weight[self.suppressed].sum())


def _master(problem: Problem, auditor: Auditor) -> highspy.Highs:
    p = problem
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 1e-9)
    h.setOptionValue("mip_abs_gap", 1e-9 * max(1.0, p.tie))
    h.setOptionValue("mip_feasibility_tolerance", 1e-8)
    # A small master re-solved after each round of cuts: HiGHS's presolve (and its restarts)
    # cost more than they save here (measured: the sparse region × sector count table in 15 s
    # instead of 38 s, the same optimum).
    h.setOptionValue("presolve", "off")
    lower = np.where(p.primary, 1.0, 0.0)
    upper = np.where(p.empty, 0.0, 1.0)
    h.addVars(p.n, lower, upper)
    h.changeColsCost(p.n, np.arange(p.n, dtype=np.int32), p.weight.astype(float))
    h.changeColsIntegrality(p.n, np.arange(p.n, dtype=np.int32),
                            np.array([highspy.HighsVarType.kInteger] * p.n))
    out_low, out_up = auditor.attacker_bounds(OUTSIDER)
    for c in np.flatnonzero(p.primary):
        v = p.value[c]
        for side in (UPPER, LOWER):
            required = auditor._requirement(c, side, out_low, out_up, OUTSIDER, v)
            if auditor._meets(c, side, v, required):
                continue  # known a priori as well as published: nothing to hide on this side
            # Capacity: moving c by r in the outsider's LP, each equation holding c must be
            # balanced by its other suppressed cells, each within its own room that way, so
            # sum_i min(1, room_i / r) x_i >= 1 (a necessary condition: every protecting pattern
            # meets it). Rooms use the outsider's a priori bounds, so a count cell of 3 that is
            # not sensitive (known to be >= 3) cannot absorb a decrease.
            r = abs(required - v) * (1 - 1e-6)
            for e in p.cell_equations[c]:
                parent, kids = p.equations[e]
                others = [i for i in (parent, *kids) if i != c and not p.empty[i]]
                if not others:
                    continue
                # c up: the parent up or a sibling down; c down: the parent down or a sibling up
                # (and for c the parent, its children the same way as c).
                down = [i for i in others if (i == parent) == (side == LOWER)] if c != parent else (
                    others if side == LOWER else [])
                room = np.array([p.value[i] - out_low[i] if i in down else out_up[i] - p.value[i] for i in others])
                coeffs = np.minimum(1.0, np.where(np.isinf(room), 1.0, room / r))
                if coeffs.sum() < 1 - 1e-9:
                    continue  # no pattern meets it: left to the audit's cuts, which say why
                keep = coeffs > 1e-9
                h.addRow(1.0, highspy.kHighsInf, int(keep.sum()), np.array(others, dtype=np.int32)[keep],
                         coeffs[keep])
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
    optimal = True
    deadline = started + p.settings.protection_seconds
    for iteration in range(1, p.settings.max_iterations + 1):
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            raise ProtectionError(f"la suppression secondaire n'a pas abouti en {p.settings.protection_seconds} s")
        h.setOptionValue("time_limit", float(max(1.0, min(p.settings.master_seconds, remaining))))
        h.run()
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kTimeLimit and \
                h.getInfo().primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible:
            optimal = False  # the best pattern found in time: the audit below still decides
        elif status != highspy.HighsModelStatus.kOptimal:
            raise ProtectionError(f"aucun masque ne protège ces tableaux ({h.modelStatusToString(status)})")
        x = np.asarray(h.getSolution().col_value) > 0.5
        cuts: list[Cut] = []
        report = auditor.run(x, insiders=insiders, cuts=cuts, stop_at_outsider=True)
        if report.ok:
            return Pattern(x, report, iteration, n_cuts, time.perf_counter() - started, optimal=optimal)
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
    raise ProtectionError(f"la suppression secondaire n'a pas convergé en {p.settings.max_iterations} itérations")


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
