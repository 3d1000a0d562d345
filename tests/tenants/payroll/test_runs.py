"""Monthly payroll runs: lines from the CESA contracts and the activity accounts, the lifecycle,
adjustments, the year-to-date RGDU, closing (journal, salary cost on the activity account,
immutability), one run per month under real parallel transactions."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum

from essaim.audit.models import AuditEntry
from essaim.core.errors import AppError
from essaim.payrates.selectors import rates_for
from tenants.activity.account import account_statement
from tenants.ledger.fec import fec_lines, fec_validate
from tenants.ledger.models import Entry, EntryLine
from tenants.payroll.engine import Ytd, payslip_compute
from tenants.payroll.models import PayrollLine, PayrollRun
from tenants.payroll.runs import (
    payroll_line_adjust,
    payroll_run_check,
    payroll_run_close,
    payroll_run_create,
    payroll_run_delete,
    payroll_run_recompute,
    payroll_run_reopen,
)
from tenants.payroll.selectors import payroll_settings_engine
from tenants.payroll.services import withholding_rate_set
from tests.conftest import tenant_context
from tests.factories import TEST_ACTOR

from .cesa import cesa_person

D = Decimal
pytestmark = pytest.mark.django_db
JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)


@pytest.fixture
def team(in_cae_a):
    """Léa: full time at the SMIC, 10,000 € invoiced in January (9,000 € available at 10 %).
    Paul: part time, no revenue. Zoé: CESA from 15 February."""
    lea = cesa_person(first_name="Léa", revenue=[(date(2026, 1, 5), 10000)])
    paul = cesa_person(first_name="Paul", last_name="Durand", weekly_hours="17.5", monthly_gross="911.52")
    zoe = cesa_person(first_name="Zoé", last_name="Petit", starts_on=date(2026, 2, 15), weekly_hours="35",
                      monthly_gross="2000.00")
    return {"lea": lea, "paul": paul, "zoe": zoe}


def _line(run, person) -> PayrollLine:
    return run.lines.get(entrepreneur=person)


def close(run, user=TEST_ACTOR):
    payroll_run_check(run=run, acting_user=user)
    return payroll_run_close(run=run, acting_user=user, render_payslips=False)


def test_a_run_pays_each_cesa_its_fixed_part_and_flags_unfunded_accounts(team):
    run = payroll_run_create(month="2026-01", acting_user=TEST_ACTOR)
    assert run.state == "draft" and run.lines.count() == 2, "Zoé's CESA starts in February"
    lea, paul = _line(run, team["lea"]), _line(run, team["paul"])
    assert (lea.gross, lea.available, lea.funded, lea.flag) == (D("1823.03"), D("9000.00"), True, "")
    expected = payslip_compute(gross=D("1823.03"), rates=rates_for(date(2026, 1, 31)), settings=payroll_settings_engine())
    assert (lea.net_before_tax, lea.rgdu, lea.total_cost) == (expected.net_before_tax, expected.rgdu,
                                                              expected.total_cost)
    assert lea.envelope == lea.fixed_cost == lea.total_cost
    assert paul.gross == D("911.52") and paul.smic_reference == D("911.52"), "part time: SMIC reference prorated"
    assert not paul.funded and "ne finance pas la part fixe" in paul.flag
    assert paul.rgdu_coefficient == D("0.4021") or paul.rgdu_coefficient == D("0.3981")


def test_a_contract_starting_mid_month_is_prorated(team):
    run = payroll_run_create(month="2026-02", acting_user=TEST_ACTOR)
    zoe = _line(run, team["zoe"])
    assert zoe.worked_fraction == D("0.5000")  # 14 of 28 days
    assert zoe.fixed_gross == D("1000.00") == zoe.gross


def test_variable_share_pays_part_of_the_available_balance(team):
    run = payroll_run_create(month="2026-01", variable_share="50", acting_user=TEST_ACTOR)
    lea = _line(run, team["lea"])
    assert lea.envelope == lea.fixed_cost + ((lea.available - lea.fixed_cost) / 2).quantize(D("0.01"))
    assert lea.gross > lea.fixed_gross and lea.total_cost <= lea.envelope
    one_more = payslip_compute(gross=lea.gross + D("0.01"), rates=rates_for(date(2026, 1, 31)),
                               settings=payroll_settings_engine())
    assert one_more.total_cost > lea.envelope, "the largest gross the envelope pays for"
    assert _line(run, team["paul"]).gross == D("911.52"), "nothing available: the fixed part only"


def test_lifecycle_and_what_each_state_refuses(team, world):
    staff = world.user("accounts_a")
    run = payroll_run_create(month="2026-01", acting_user=staff)
    with pytest.raises(AppError) as exc:
        payroll_run_create(month="2026-01", acting_user=TEST_ACTOR)
    assert exc.value.code == "payroll_run_exists"
    with pytest.raises(AppError, match="Vérifiez"):
        payroll_run_close(run=run, acting_user=TEST_ACTOR)
    payroll_run_check(run=run, acting_user=staff)
    payroll_run_reopen(run=run, acting_user=staff)
    payroll_run_check(run=run, acting_user=staff)
    line = _line(run, team["lea"])
    payroll_line_adjust(line=line, gross="2000", reason="Prime de fin de mission", acting_user=staff)
    run.refresh_from_db()
    assert run.state == "draft", "a change un-checks the run"
    payroll_run_recompute(run=run, acting_user=staff)
    assert _line(run, team["lea"]).gross == D("2000.00"), "adjustments survive a recompute"
    run = close(run, staff)
    assert run.state == "closed" and run.closed_by == staff
    for action in (lambda: payroll_run_check(run=run,
                                             acting_user=TEST_ACTOR), lambda: payroll_run_reopen(run=run,
                                                                                                 acting_user=TEST_ACTOR),
                   lambda: payroll_run_recompute(run=run,
                                                 acting_user=TEST_ACTOR), lambda: payroll_run_delete(run=run,
                                                                                                     acting_user=TEST_ACTOR),
                   lambda: payroll_run_close(run=run, acting_user=TEST_ACTOR),
                   lambda: payroll_line_adjust(line=_line(run, team["lea"]), gross="1900", reason="x",
                                               acting_user=TEST_ACTOR)):
        with pytest.raises(AppError) as exc:
            action()
        assert exc.value.code == "payroll_run_closed"
    assert set(AuditEntry.objects.filter(target=f"payroll_run:{run.pk}").values_list("action", flat=True)) >= {
        "payroll_run_create", "payroll_run_check", "payroll_run_reopen", "payroll_run_close"}
    adjust = AuditEntry.objects.get(action="payroll_line_adjust")
    assert adjust.actor == staff and adjust.details == {"before": "1823.03", "after": "2000",
                                                        "reason": "Prime de fin de mission"}


def test_the_database_refuses_to_touch_a_closed_run(team):
    run = close(payroll_run_create(month="2026-01", acting_user=TEST_ACTOR))
    line = _line(run, team["lea"])
    with pytest.raises(IntegrityError, match="ne se modifie"), transaction.atomic():
        PayrollRun.objects.filter(pk=run.pk).update(state="draft")
    with pytest.raises(IntegrityError), transaction.atomic():
        PayrollLine.objects.filter(pk=line.pk).update(gross=D("1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        PayrollLine.objects.filter(pk=line.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        PayrollLine.objects.create(run=run, entrepreneur=team["zoe"], contract=line.contract, weekly_hours=1)
    line.refresh_from_db()
    assert line.gross == D("1823.03")


def test_closing_posts_a_balanced_journal_matching_the_run(team):
    withholding_rate_set(entrepreneur=team["lea"], rate="7,5", effective_from=JAN, acting_user=TEST_ACTOR)
    run = payroll_run_create(month="2026-01", variable_share="25", acting_user=TEST_ACTOR)
    lea = _line(run, team["lea"])
    assert lea.pas_rate == D("7.50") and lea.pas == (lea.taxable_net * D("0.075")).quantize(D("0.01"), ROUND_HALF_UP)
    close(run)
    entries = Entry.objects.filter(journal="PA")
    assert entries.count() == 2 and {e.entrepreneur_id for e in entries} == {team["lea"].pk, team["paul"].pk}
    assert all(e.date == date(2026, 1, 31) for e in entries)
    for entry in entries:
        sums = entry.lines.aggregate(d=Sum("debit"), c=Sum("credit"))
        assert sums["d"] == sums["c"]
    totals = run.lines.aggregate(gross=Sum("gross"), net=Sum("net_paid"), pas=Sum("pas"), rgdu=Sum("rgdu"),
                                 employer=Sum("employer_contributions"), employee=Sum("employee_contributions"),
                                 cost=Sum("total_cost"))

    def net(accounts):
        s = EntryLine.objects.filter(entry__journal="PA", account__in=accounts).aggregate(d=Sum("debit"),
                                                                                          c=Sum("credit"))
        return (s["d"] or 0) - (s["c"] or 0)

    assert net(["641"]) == totals["gross"]
    assert net(["6451", "6452", "6453", "6454"]) == totals["employer"] - totals["rgdu"]
    assert net(["641", "6451", "6452", "6453", "6454"]) == totals["cost"]
    assert -net(["421"]) == totals["net"] and -net(["4421"]) == totals["pas"]
    assert -net(["431", "437"]) == totals["employee"] + totals["employer"] - totals["rgdu"]
    rgdu_lines = EntryLine.objects.filter(entry__journal="PA", account="6451", credit__gt=0)
    assert sum(line.credit for line in rgdu_lines) == totals["rgdu"] and "allègement" in rgdu_lines[0].label
    assert set(EntryLine.objects.filter(account="437").values_list("aux_account", flat=True)) == {
        "AGIRC-ARRCO", "CHOMAGE"}


def test_activity_account_shows_the_salary_cost_and_still_reconciles(team):
    before = account_statement(entrepreneur=team["lea"], year=2026)[0]
    run = close(payroll_run_create(month="2026-01", acting_user=TEST_ACTOR))
    lea = _line(run, team["lea"])
    january = account_statement(entrepreneur=team["lea"], year=2026)[0]
    assert january.salary_cost == lea.total_cost
    assert january.balance == before.balance - lea.total_cost
    cost = EntryLine.objects.filter(entry__entrepreneur=team["lea"], entry__date__year=2026,
                                    account__in=["641", "6451", "6452", "6453", "6454"]).aggregate(
        d=Sum("debit"), c=Sum("credit"))
    assert cost["d"] - cost["c"] == january.salary_cost
    revenue = EntryLine.objects.filter(entry__entrepreneur=team["lea"], account="706").aggregate(c=Sum("credit"))
    assert revenue["c"] == january.invoiced
    february = payroll_run_create(month="2026-02", acting_user=TEST_ACTOR)
    assert _line(february, team["lea"]).available == january.balance, "February reads what January left"


def test_the_year_so_far_regularises_the_rgdu(team):
    january = payroll_run_create(month="2026-01", acting_user=TEST_ACTOR)
    close(january)
    jan = _line(january, team["lea"])
    february = payroll_run_create(month="2026-02", acting_user=TEST_ACTOR)
    feb = payroll_line_adjust(line=_line(february, team["lea"]), gross="3000", reason="Part variable",
                              acting_user=TEST_ACTOR)
    assert (feb.ytd_gross, feb.ytd_smic_reference, feb.ytd_rgdu) == (jan.gross, jan.smic_reference, jan.rgdu)
    expected = payslip_compute(gross=D("3000"), rates=rates_for(date(2026, 2, 28)), settings=payroll_settings_engine(),
                               ytd=Ytd(jan.gross, jan.smic_reference, jan.rgdu))
    assert feb.rgdu == expected.rgdu
    alone = payslip_compute(gross=D("3000"), rates=rates_for(date(2026, 2, 28)), settings=payroll_settings_engine())
    assert feb.rgdu != alone.rgdu, "the annual reduction differs from a month computed alone"


def test_a_month_closed_after_the_next_was_computed_forces_a_recompute(team):
    january = payroll_run_create(month="2026-01", acting_user=TEST_ACTOR)
    february = payroll_run_create(month="2026-02", acting_user=TEST_ACTOR)
    payroll_run_check(run=february, acting_user=TEST_ACTOR)
    with pytest.raises(AppError) as exc:
        payroll_run_close(run=february, render_payslips=False, acting_user=TEST_ACTOR)
    assert exc.value.code == "payroll_run_earlier_open"
    close(january)
    with pytest.raises(AppError) as exc:
        payroll_run_close(run=february, render_payslips=False, acting_user=TEST_ACTOR)
    assert exc.value.code == "payroll_run_stale"
    payroll_run_recompute(run=february, acting_user=TEST_ACTOR)
    assert close(february).state == "closed"


def test_corrections_go_into_the_next_month(team):
    close(payroll_run_create(month="2026-02", acting_user=TEST_ACTOR))
    with pytest.raises(AppError) as exc:
        payroll_run_create(month="2026-01", acting_user=TEST_ACTOR)
    assert exc.value.code == "payroll_run_after_closed" and "mois suivant" in exc.value.message
    assert payroll_run_create(month="2026-03", acting_user=TEST_ACTOR).lines.count() == 3


def test_payroll_journal_is_in_a_valid_fec(team):
    close(payroll_run_create(month="2026-01", acting_user=TEST_ACTOR))
    body = list(fec_lines(year=2026))
    assert fec_validate(body, year=2026) == []
    payroll = [line for line in body if line.startswith("PA\t")]
    assert payroll and all(line.split("\t")[1] == "Paie" for line in payroll)
    assert any("\t641\tRémunérations du personnel\t" in line for line in payroll)


@pytest.mark.parametrize(("gross", "reason", "code"), [
    ("mille", "Prime", "payroll_gross_invalid"),
    ("-5", "Prime", "payroll_gross_invalid"),
    ("1900.123", "Prime", "payroll_gross_invalid"),
    ("1000", "Prime", "payroll_gross_below_fixed"),
    ("2000", "   ", "payroll_adjust_reason_required"),
    ("2000", "x" * 301, "payroll_adjust_reason_too_long"),
])
def test_bad_adjustments_are_refused_and_change_nothing(team, gross, reason, code):
    run = payroll_run_create(month="2026-01", acting_user=TEST_ACTOR)
    payroll_run_check(run=run, acting_user=TEST_ACTOR)
    line = _line(run, team["lea"])
    with pytest.raises(AppError) as exc:
        payroll_line_adjust(line=line, gross=gross, reason=reason, acting_user=TEST_ACTOR)
    assert exc.value.code == code and exc.value.message
    line.refresh_from_db()
    run.refresh_from_db()
    assert (line.gross, line.adjusted, run.state) == (D("1823.03"), False, "checked")
    assert not AuditEntry.objects.filter(action="payroll_line_adjust").exists()


@pytest.mark.parametrize(("fields", "code"), [
    ({"month": "2026-13"}, "payroll_month_invalid"),
    ({"month": "janvier"}, "payroll_month_invalid"),
    ({"month": "2026-01", "variable_share": "120"}, "payroll_variable_share_invalid"),
    ({"month": "2026-01", "variable_share": "beaucoup"}, "payroll_variable_share_invalid"),
    ({"month": "2019-01"}, "payrates_missing"),
])
def test_bad_run_input_is_refused_and_writes_nothing(team, fields, code):
    with pytest.raises(AppError) as exc:
        payroll_run_create(**fields, acting_user=TEST_ACTOR)
    assert exc.value.code == code
    assert not PayrollRun.objects.exists() and not PayrollLine.objects.exists()


@pytest.mark.parametrize("rate", ["sept", "61", "-1", "7.555", ""])
def test_bad_withholding_rates_are_refused(team, rate):
    with pytest.raises(AppError) as exc:
        withholding_rate_set(entrepreneur=team["lea"], rate=rate, effective_from=JAN, acting_user=TEST_ACTOR)
    assert exc.value.field == "rate"
    assert not team["lea"].withholding_rates.exists()


def test_withholding_rates_are_dated_and_audited(team, world):
    staff = world.user("director_a")
    withholding_rate_set(entrepreneur=team["lea"], rate="5", effective_from=JAN, acting_user=staff)
    withholding_rate_set(entrepreneur=team["lea"], rate="9.1", effective_from=date(2026, 2, 10),
                         acting_user=staff)
    assert _line(payroll_run_create(month="2026-01",
                                    acting_user=TEST_ACTOR), team["lea"]).pas_rate == D("5.00")
    assert _line(payroll_run_create(month="2026-02",
                                    acting_user=TEST_ACTOR), team["lea"]).pas_rate == D("9.10")
    assert AuditEntry.objects.filter(action="withholding_rate_set", actor=staff).count() == 2


# -- real parallel transactions ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def checked_run(world, django_db_blocker):
    """A committed, checked January run in a CAE of this module's own (other threads see only
    committed rows)."""
    from tests.conftest import _make_cooperative, drop_cooperative

    with django_db_blocker.unblock():
        cae = _make_cooperative("paie-concurrence", "CAE Paie Concurrence", 58585858)
        with tenant_context(cae):
            people = [cesa_person(first_name=f"P{i}", last_name="Course", revenue=[(date(2026, 1, 5), 5000)])
                      for i in range(3)]
            run = payroll_run_create(month="2026-01", acting_user=TEST_ACTOR)
            payroll_run_check(run=run, acting_user=TEST_ACTOR)
    yield cae, run, people
    with django_db_blocker.unblock():
        drop_cooperative(cae)


def test_two_people_closing_at_once_close_it_once(checked_run, django_db_blocker):
    from tests.conftest import run_in_parallel

    cae, run, people = checked_run
    outcomes = run_in_parallel(lambda _: payroll_run_close(run=run,
                                                           acting_user=TEST_ACTOR).state, [1, 2], cooperative=cae,
                               django_db_blocker=django_db_blocker)
    assert sorted(outcomes) == ["closed", "payroll_run_closed"], outcomes
    with tenant_context(cae):
        assert Entry.objects.filter(journal="PA").count() == len(people)
        numbers = sorted(Entry.objects.values_list("number", flat=True))
        assert numbers == [f"2026-{n:06d}" for n in range(1, len(numbers) + 1)]


def test_two_people_creating_the_same_month_make_one_run(checked_run, django_db_blocker):
    from tests.conftest import run_in_parallel

    cae, _, _ = checked_run
    outcomes = run_in_parallel(lambda _: payroll_run_create(month="2026-03",
                                                            acting_user=TEST_ACTOR).month.isoformat(), [1, 2],
                               cooperative=cae, django_db_blocker=django_db_blocker)
    assert sorted(outcomes) == ["2026-03-01", "payroll_run_exists"], outcomes
    with tenant_context(cae):
        assert PayrollRun.objects.filter(month=date(2026, 3, 1)).count() == 1


# -- what the rate table decides: the legal week, the fund of each contribution -------------------

def _table_2027(**changes):
    """A 2027 table: the shipped one from 1 January 2027, with `changes` applied to its document."""
    import copy

    from essaim.payrates.services import rate_table_load

    from .helpers import shipped_document

    document = copy.deepcopy(shipped_document())
    document.update(valid_from="2027-01-01", label="Barème 2027 (essai)")
    for mutate in changes.values():
        mutate(document)
    rate_table_load(document=document, acting_user=TEST_ACTOR)


def test_part_time_is_prorated_on_the_legal_week_of_the_rate_table(team):
    # A table whose legal week were 39 hours: a 35-hour contract is then a part time.
    _table_2027(week=lambda d: d["working_time"].update(legal_weekly_hours="39"))
    run = payroll_run_create(month="2027-01", acting_user=TEST_ACTOR)
    assert _line(run, team["lea"]).smic_reference == D("1636.05")  # 1,823.03 × 35 / 39
    assert _line(run, team["paul"]).smic_reference == D("818.03")  # 1,823.03 × 17.5 / 39
    january_2026 = payroll_run_create(month="2026-01", acting_user=TEST_ACTOR)
    assert _line(january_2026, team["lea"]).smic_reference == D("1823.03"), "2026: 35 hours"


def test_each_contribution_goes_to_the_fund_its_rate_table_names(team):
    from tenants.payroll.selectors import contributions_summary

    # URSSAF collects the AGS in practice: a table may say so, and the summary and journal follow.
    def ags_to_urssaf(document):
        line = next(x for x in document["lines"] if x["code"] == "ags")
        line["fund"] = "urssaf"

    _table_2027(ags=ags_to_urssaf)
    run = payroll_run_create(month="2027-01", acting_user=TEST_ACTOR)
    lea = _line(run, team["lea"])
    assert {item["code"]: item["fund"] for item in lea.detail}["ags"] == "urssaf"
    funds = {row["code"]: row["fund"] for row in contributions_summary(run) if row["code"] != "total"}
    assert (funds["ags"], funds["chomage"]) == ("urssaf", "unemployment")
    assert funds["agirc_arrco_t1"] == "agirc_arrco" and funds["maladie"] == "urssaf"
    close(run)
    ags = sum(D(item["employer"]) for line in run.lines.all() for item in line.detail if item["code"] == "ags")
    chomage = sum(D(item["employer"]) for line in run.lines.all() for item in line.detail
                  if item["code"] == "chomage")
    unemployment_charge = EntryLine.objects.filter(entry__journal="PA", account="6454").aggregate(d=Sum("debit"))["d"]
    assert ags > 0 and unemployment_charge == chomage, "the AGS is no longer booked to the unemployment fund"


def test_lines_stored_before_the_fund_key_take_it_from_the_rate_table(team):
    """Lines computed before the tables carried `fund` (and closed runs are never rewritten) are
    summarised and booked as the table of their month says."""
    from tenants.payroll.selectors import contributions_summary

    run = payroll_run_create(month="2026-01", acting_user=TEST_ACTOR)
    before = contributions_summary(run)
    assert {row["fund"] for row in before} >= {"urssaf", "agirc_arrco", "unemployment"}
    for line in run.lines.all():
        line.detail = [{k: v for k, v in item.items() if k != "fund"} for item in line.detail]
        line.save(update_fields=["detail"])
    assert all("fund" not in item for line in run.lines.all() for item in line.detail)
    assert contributions_summary(run) == before
    close(run)
    assert set(EntryLine.objects.filter(account="437").values_list("aux_account", flat=True)) == {
        "AGIRC-ARRCO", "CHOMAGE"}
