"""Monthly payroll runs: draft → checked → closed, one per month (the database refuses a second).

Computing a run reads, in a fixed number of queries whatever the number of contracts: the CESA
contracts in force during the month and their amendments, every activity account at once
(activity.account.account_statements), the PAS rates, and the year so far from the earlier
closed runs (for the RGDU's annual regularisation). Each line then goes through the engine.

Envelope policy (documented in docs/payroll.md): the fixed part of the contract is always paid;
the envelope is the fixed part's total cost plus `variable_share` % of what the activity account
has available beyond it (0 % by default: the fixed part only). The gross is the largest one the
envelope pays for (engine.gross_for_envelope). An account that cannot fund the fixed part is
flagged, and the fixed part is paid all the same (it is in the contract).

Closing writes the journal (one entry per line, journal PA, the entrepreneur as analytical axis)
in the same transaction, and the activity accounts then read the lines' total cost as salary cost.
A closed run is immutable (trigger, migration 0003); corrections go into the next month.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from essaim.audit.actors import Actor, actor_user
from essaim.audit.services import audit_record
from essaim.core.errors import AppError
from essaim.payrates.selectors import rates_for

from .engine import Payslip, Ytd, gross_for_envelope, payslip_compute
from .funds import FUNDS, PAYROLL_JOURNAL, TAX_OFFICE, FundResolver
from .models import PayrollLine, PayrollRun
from .selectors import current_pas_rates, payroll_settings_engine

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MAX_GROSS = Decimal("100000.00")
STATE = PayrollRun.State


def _user(acting_user: Actor):
    return actor_user(acting_user)


def month_parse(value) -> date:
    """'AAAA-MM' (or a date) → the first day of that month; a French error otherwise."""
    if isinstance(value, date):
        return value.replace(day=1)
    text = str(value or "").strip()
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise AppError("payroll_month_invalid", f"Mois invalide : « {text} » (attendu AAAA-MM, ex. 2026-03).",
                       field="month") from None


def _share(value) -> Decimal:
    try:
        share = Decimal(str(value if value not in (None, "") else "0").strip().replace(",", "."))
    except InvalidOperation:
        share = Decimal(-1)
    if not share.is_finite() or not 0 <= share <= 100 or share.as_tuple().exponent < -2:
        raise AppError("payroll_variable_share_invalid",
                       "La part variable est un pourcentage du disponible, de 0 à 100.", field="variable_share")
    return share


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def smic_reference_for(rates, hours, fraction: Decimal = Decimal(1)) -> Decimal | None:
    """A month's SMIC reference for the RGDU: the table's monthly SMIC × the contract's weekly
    hours ÷ the table's legal weekly hours, × the fraction of the month under contract. None
    (the engine then takes the full-time monthly SMIC) for a contract without hours."""
    if not hours:
        return None
    return rates.money(rates.smic_monthly * hours / rates.legal_weekly_hours * fraction)


# -- reading the month's inputs -------------------------------------------------------------------

def _in_force(start: date, end: date):
    """The CESA contracts in force at some point of the month (people not anonymised)."""
    from tenants.people.models import Contract

    return (Contract.objects.filter(kind=Contract.Kind.CESA, starts_on__lte=end,
                                    journey__entrepreneur__anonymised_at__isnull=True)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start)))


def _contracts(start: date, end: date, *, entrepreneur_id: int | None = None) -> list:
    """CESA contracts in force at some point of the month (one person's, or everyone's), with the
    pay in force at its end."""
    from tenants.people.models import ContractAmendment

    contracts = _in_force(start, end)
    if entrepreneur_id is not None:
        contracts = contracts.filter(journey__entrepreneur_id=entrepreneur_id)
    contracts = list(contracts.select_related("journey").order_by("id"))
    latest: dict[int, ContractAmendment] = {}
    for amendment in (ContractAmendment.objects.filter(contract__in=[c.pk for c in contracts], effective_on__lte=end)
                      .order_by("contract_id", "effective_on", "id")):
        latest[amendment.contract_id] = amendment
    for contract in contracts:
        amendment = latest.get(contract.pk)
        contract.pay_hours = amendment.weekly_hours if amendment else contract.weekly_hours
        contract.pay_gross = amendment.monthly_gross if amendment else contract.monthly_gross
    return contracts


def _people(start: date, end: date):
    return _in_force(start, end).values_list("journey__entrepreneur_id", flat=True)


def _pas_rates(month: date, people) -> dict[int, Decimal]:
    """Percent in force for the month (latest row from its first day or before), 0 without one."""
    return {person: row.rate for person, row in current_pas_rates(people, month).items()}


def year_to_date(month: date, people) -> dict[int, Ytd]:
    """entrepreneur id → the year before `month` from the earlier closed runs of its year
    (cumulative gross, SMIC reference and RGDU: the RGDU's annual regularisation)."""
    rows = (PayrollLine.objects.filter(run__state=STATE.CLOSED, run__month__year=month.year, run__month__lt=month,
                                       entrepreneur_id__in=people)
            .values("entrepreneur_id").order_by()
            .annotate(gross=Sum("gross"), smic=Sum("smic_reference"), rgdu=Sum("rgdu")))
    return {r["entrepreneur_id"]: Ytd(gross=r["gross"], smic_reference=r["smic"], rgdu=r["rgdu"]) for r in rows}


def _available(month: date, people: list[int]) -> dict[int, Decimal]:
    """Each activity account's balance at the end of the month (the year so far, earlier closed
    runs' salary cost deducted), before this run's salary."""
    from tenants.activity.account import account_statements

    statements = account_statements(entrepreneur_ids=people, year=month.year)
    return {person: months[month.month - 1].balance for person, months in statements.items()}


def _detail(payslip: Payslip) -> list[dict]:
    def text(value):
        return None if value is None else str(value)

    return [{"code": line.code, "label": line.label, "block": line.block, "fund": line.fund, "base": text(line.base),
             "employee_rate": text(line.employee_rate), "employee": str(line.employee_amount),
             "employer_rate": text(line.employer_rate), "employer": str(line.employer_amount),
             "deductible": line.deductible} for line in payslip.lines]


def _apply(line: PayrollLine, payslip: Payslip) -> None:
    line.gross = payslip.gross
    line.employee_contributions = payslip.employee_contributions
    line.employer_contributions = payslip.employer_contributions
    line.rgdu = payslip.rgdu
    line.rgdu_coefficient = payslip.rgdu_coefficient
    line.smic_reference = payslip.smic_reference
    line.net_before_tax = payslip.net_before_tax
    line.taxable_net = payslip.taxable_net
    line.pas = payslip.pas
    line.net_paid = payslip.net_paid
    line.total_cost = payslip.total_cost
    line.detail = _detail(payslip)


COMPUTED_FIELDS = ["gross", "employee_contributions", "employer_contributions", "rgdu", "rgdu_coefficient",
                   "smic_reference", "net_before_tax", "taxable_net", "pas", "net_paid", "total_cost", "detail"]


def _lines(run: PayrollRun, adjustments: dict[int, tuple[Decimal, str]]) -> list[PayrollLine]:
    start = run.month
    end = run.pay_day
    days = calendar.monthrange(start.year, start.month)[1]
    rates = rates_for(end)
    cae = payroll_settings_engine()
    contracts = _contracts(start, end)
    # The same people as a subquery: thousands of ids bound as arrays cost more than the join.
    people = _people(start, end)
    pas_rates, ytds, available = _pas_rates(start, people), year_to_date(start, people), _available(start, people)
    share = run.variable_share / 100
    lines = []
    for contract in contracts:
        person = contract.journey.entrepreneur_id
        first, last = max(start, contract.starts_on), min(end, contract.ends_on or end)
        fraction = (Decimal((last - first).days + 1) / days).quantize(Decimal("0.0001"))
        hours = contract.pay_hours or Decimal(0)
        fixed = _money((contract.pay_gross or ZERO) * fraction)
        smic = smic_reference_for(rates, hours, fraction)
        ytd = ytds.get(person, Ytd())
        pas_percent = pas_rates.get(person, Decimal(0))
        pas_rate = pas_percent / 100
        balance = available.get(person, ZERO)
        fixed_slip = payslip_compute(gross=fixed, rates=rates, settings=cae, pas_rate=pas_rate, ytd=ytd,
                                     smic_reference=smic)
        variable = _money(share * max(balance - fixed_slip.total_cost, ZERO))
        envelope = fixed_slip.total_cost + variable
        slip = fixed_slip
        if contract.pk in adjustments:
            slip = payslip_compute(gross=adjustments[contract.pk][0], rates=rates, settings=cae, pas_rate=pas_rate,
                                   ytd=ytd, smic_reference=smic)
        elif variable > 0:
            slip = gross_for_envelope(envelope=envelope, rates=rates, settings=cae, ytd=ytd, minimum_gross=fixed,
                                      pas_rate=pas_rate, smic_reference=smic).payslip
        funded = balance >= fixed_slip.total_cost
        flag = "" if funded else (f"Le compte d'activité ({balance} €) ne finance pas la part fixe (coût "
                                  f"{fixed_slip.total_cost} €) : il manque {fixed_slip.total_cost - balance} €.")
        line = PayrollLine(
            run=run, entrepreneur_id=person, contract=contract, weekly_hours=hours, worked_fraction=fraction,
            fixed_gross=fixed, fixed_cost=fixed_slip.total_cost, available=balance, envelope=envelope, funded=funded,
            flag=flag, adjusted=contract.pk in adjustments,
            adjust_reason=adjustments.get(contract.pk, (None, ""))[1], pas_rate=pas_percent,
            ytd_gross=ytd.gross, ytd_smic_reference=ytd.smic_reference, ytd_rgdu=ytd.rgdu)
        _apply(line, slip)
        lines.append(line)
    return lines


# -- writes ---------------------------------------------------------------------------------------

def _locked(run: PayrollRun) -> PayrollRun:
    return PayrollRun.objects.select_for_update().get(pk=run.pk)


def _editable(run: PayrollRun) -> None:
    if run.state == STATE.CLOSED:
        raise AppError("payroll_run_closed", f"La paie de {run.month:%m/%Y} est clôturée : elle ne change plus. "
                       "Les corrections passent sur la paie du mois suivant.", status=409)


def payroll_run_create(*, month, variable_share=0, acting_user: Actor) -> PayrollRun:
    """Create this month's run and compute its lines. One run per month: a second is refused,
    even when two people create it at the same time (unique constraint)."""
    month = month_parse(month)
    share = _share(variable_share)
    rates_for(month)  # refuses a month without a rate table
    later = PayrollRun.objects.filter(state=STATE.CLOSED, month__gt=month).order_by("month").first()
    if later is not None:
        raise AppError("payroll_run_after_closed", f"La paie de {later.month:%m/%Y} est déjà clôturée : une paie "
                       "antérieure ne se crée plus (les corrections passent sur le mois suivant).", field="month")
    try:
        with transaction.atomic():
            run = PayrollRun.objects.create(month=month, variable_share=share, created_by=_user(acting_user))
            _compute(run)
            audit_record(action="payroll_run_create", target=f"payroll_run:{run.pk}", acting_user=acting_user,
                         details={"month": month.isoformat(), "variable_share": str(share)})
    except IntegrityError:
        raise AppError("payroll_run_exists", f"Une paie existe déjà pour {month:%m/%Y}.", field="month",
                       status=409) from None
    return run


def _compute(run: PayrollRun, adjustments: dict | None = None) -> None:
    PayrollLine.objects.filter(run=run).delete()
    PayrollLine.objects.bulk_create(_lines(run, adjustments or {}))
    run.computed_at = timezone.now()
    run.save(update_fields=["computed_at"])


@transaction.atomic
def payroll_run_recompute(*, run: PayrollRun, variable_share=None, acting_user: Actor) -> PayrollRun:
    """Recompute every line from today's contracts, accounts and rates; staff adjustments are
    kept. A checked run goes back to draft (it must be checked again)."""
    run = _locked(run)
    _editable(run)
    if variable_share is not None:
        run.variable_share = _share(variable_share)
    adjustments = {c: (g, r) for c, g, r in run.lines.filter(adjusted=True)
                   .values_list("contract_id", "gross", "adjust_reason")}
    run.state = STATE.DRAFT
    run.checked_at = run.checked_by = None
    run.save(update_fields=["variable_share", "state", "checked_at", "checked_by"])
    _compute(run, adjustments)
    audit_record(action="payroll_run_recompute", target=f"payroll_run:{run.pk}", acting_user=acting_user,
                 details={"variable_share": str(run.variable_share)})
    return run


@transaction.atomic
def payroll_line_adjust(*, line: PayrollLine, gross, reason: str, acting_user: Actor) -> PayrollLine:
    """Staff set a line's gross (never below the contract's fixed part), with a reason. The rest
    of the line is recomputed; a checked run goes back to draft."""
    run = _locked(line.run)
    _editable(run)
    try:
        value = Decimal(str(gross).strip().replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value.as_tuple().exponent < -2 or not ZERO <= value <= MAX_GROSS:
        raise AppError("payroll_gross_invalid", "Brut invalide : un montant en euros, au centime près "
                       "(ex. 1850,00).", field="gross")
    reason = (reason or "").strip()
    if not reason:
        raise AppError("payroll_adjust_reason_required", "Indiquez le motif de l'ajustement.", field="reason")
    if len(reason) > 300:
        raise AppError("payroll_adjust_reason_too_long", "Le motif tient en 300 caractères.", field="reason")
    line = PayrollLine.objects.select_for_update().get(pk=line.pk, run=run)
    if value < line.fixed_gross:
        raise AppError("payroll_gross_below_fixed", f"Le brut ne peut être inférieur à la part fixe du contrat "
                       f"({line.fixed_gross} €) : il faudrait un avenant.", field="gross")
    before = line.gross
    slip = payslip_compute(gross=value, rates=rates_for(run.pay_day), settings=payroll_settings_engine(),
                           pas_rate=line.pas_rate / 100,
                           ytd=Ytd(line.ytd_gross, line.ytd_smic_reference, line.ytd_rgdu),
                           smic_reference=line.smic_reference)
    _apply(line, slip)
    line.adjusted, line.adjust_reason = True, reason
    line.save(update_fields=[*COMPUTED_FIELDS, "adjusted", "adjust_reason"])
    if run.state == STATE.CHECKED:
        run.state, run.checked_at, run.checked_by = STATE.DRAFT, None, None
        run.save(update_fields=["state", "checked_at", "checked_by"])
    audit_record(action="payroll_line_adjust", target=f"payroll_line:{line.pk}", acting_user=acting_user,
                 details={"before": str(before), "after": str(value), "reason": reason})
    return line


@transaction.atomic
def payroll_run_check(*, run: PayrollRun, acting_user: Actor) -> PayrollRun:
    run = _locked(run)
    _editable(run)
    if run.state != STATE.DRAFT:
        raise AppError("payroll_run_not_draft", "Seule une paie en brouillon se marque comme vérifiée.", status=409)
    run.state, run.checked_at, run.checked_by = STATE.CHECKED, timezone.now(), _user(acting_user)
    run.save(update_fields=["state", "checked_at", "checked_by"])
    audit_record(action="payroll_run_check", target=f"payroll_run:{run.pk}", acting_user=acting_user)
    return run


@transaction.atomic
def payroll_run_reopen(*, run: PayrollRun, acting_user: Actor) -> PayrollRun:
    run = _locked(run)
    _editable(run)
    if run.state != STATE.CHECKED:
        raise AppError("payroll_run_not_checked", "Seule une paie vérifiée se rouvre en brouillon.", status=409)
    run.state, run.checked_at, run.checked_by = STATE.DRAFT, None, None
    run.save(update_fields=["state", "checked_at", "checked_by"])
    audit_record(action="payroll_run_reopen", target=f"payroll_run:{run.pk}", acting_user=acting_user)
    return run


@transaction.atomic
def payroll_run_delete(*, run: PayrollRun, acting_user: Actor) -> None:
    run = _locked(run)
    _editable(run)
    month = run.month
    PayrollLine.objects.filter(run=run).delete()
    run.delete()
    audit_record(action="payroll_run_delete", target=f"payroll_run:{month.isoformat()}", acting_user=acting_user)


def payroll_run_close(*, run: PayrollRun, acting_user: Actor, render_payslips: bool = True) -> PayrollRun:
    """Close a checked run: the payroll journal is posted and the run frozen in one transaction
    (row lock on the run: of two people closing at once, one closes, the other is told it is
    closed). The payslip PDFs are rendered afterwards by a Celery task in this CAE's schema."""
    with transaction.atomic():
        run = _locked(run)
        _editable(run)
        if run.state != STATE.CHECKED:
            raise AppError("payroll_run_not_checked", "Vérifiez la paie avant de la clôturer.", status=409)
        earlier = PayrollRun.objects.filter(month__year=run.month.year, month__lt=run.month).exclude(
            state=STATE.CLOSED).order_by("month").first()
        if earlier is not None:
            raise AppError("payroll_run_earlier_open", f"Clôturez d'abord la paie de {earlier.month:%m/%Y} : le "
                           "cumul annuel (réduction générale) en dépend.", status=409)
        stale = PayrollRun.objects.filter(state=STATE.CLOSED, month__year=run.month.year, month__lt=run.month,
                                          closed_at__gt=run.computed_at).order_by("month").first()
        if stale is not None:
            raise AppError("payroll_run_stale", f"La paie de {stale.month:%m/%Y} a été clôturée après le calcul de "
                           "celle-ci : recalculez-la avant de la clôturer.", status=409)
        from tenants.ledger.services import entries_post_bulk

        lines = list(run.lines.select_related("entrepreneur").order_by("id"))
        fund_of = FundResolver(run.pay_day)
        entries_post_bulk([journal_entry(run, line, fund_of=fund_of) for line in lines])
        run.state, run.closed_at, run.closed_by = STATE.CLOSED, timezone.now(), _user(acting_user)
        run.save(update_fields=["state", "closed_at", "closed_by"])
        audit_record(action="payroll_run_close", target=f"payroll_run:{run.pk}", acting_user=acting_user,
                     details={"lines": len(lines)})
        if render_payslips:
            from .tasks import payslips_render

            schema, run_id = connection.schema_name, run.pk
            # The schema is taken now: the commit may happen after the caller left the CAE's schema.
            transaction.on_commit(lambda: payslips_render.apply_async(args=[run_id],
                                                                      headers={"_schema_name": schema}))
    return run


# -- the journal ----------------------------------------------------------------------------------

def line_funds(line: PayrollLine, *, fund_of: FundResolver) -> dict[str, dict[str, Decimal]]:
    """fund code → {"employee", "employer"} of a line's stored detail."""
    out: dict[str, dict[str, Decimal]] = {}
    for item in line.detail:
        fund = out.setdefault(fund_of(item), {"employee": ZERO, "employer": ZERO})
        fund["employee"] += Decimal(item["employee"])
        fund["employer"] += Decimal(item["employer"])
    return out


def journal_entry(run: PayrollRun, line: PayrollLine, *, fund_of: FundResolver):
    """One payslip's entry: 641 gross and 645x employer shares by fund (debit) against 421 net
    paid, 4421 PAS, 431/437 what each fund is owed (credit); the RGDU relieves the URSSAF
    contributions, so it is booked as a credit of 6451 against a debit of 431."""
    from tenants.ledger.services import EntrySpec, Leg

    person = line.entrepreneur
    aux, aux_label = f"E{person.pk:06d}", str(person)
    label = f"Paie {run.month:%m/%Y} {person}"
    legs = [Leg("641", label, debit=line.gross)]
    for code, amounts in sorted(line_funds(line, fund_of=fund_of).items()):
        fund = FUNDS[code]
        legs.append(Leg(fund.expense, f"{label} — cotisations patronales {fund.aux}", debit=amounts["employer"]))
        legs.append(Leg(fund.payable, f"{label} — {fund.aux}", credit=amounts["employee"] + amounts["employer"],
                        aux_account=fund.aux, aux_label=fund.label))
    if line.rgdu:
        legs.append(Leg("6451", f"{label} — allègement de cotisations (RGDU)", credit=line.rgdu))
        legs.append(Leg("431", f"{label} — allègement de cotisations (RGDU)", debit=line.rgdu,
                        aux_account=FUNDS["urssaf"].aux, aux_label=FUNDS["urssaf"].label))
    legs.append(Leg(TAX_OFFICE[2], f"{label} — prélèvement à la source", credit=line.pas))
    legs.append(Leg("421", f"{label} — net à payer", credit=line.net_paid, aux_account=aux, aux_label=aux_label))
    return EntrySpec(journal=PAYROLL_JOURNAL[0], date=run.pay_day, piece_ref=f"PAIE-{run.month:%Y%m}-{line.pk}",
                     piece_date=run.pay_day, label=label, legs=legs, source=f"payroll:{line.pk}",
                     entrepreneur_id=person.pk)
