"""Every allowed and every forbidden step of the journey, and the legal rules on fixed dates."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from essaim.core.errors import AppError
from tenants.people import rules
from tenants.people.journey import EventKind, JourneyError, Stage, Step, allowed_events, next_stage, replay

ALLOWED = {
    (Stage.CANDIDATE, EventKind.INFO_SESSION): Stage.INFO_SESSION,
    (Stage.INFO_SESSION, EventKind.INFO_SESSION): Stage.INFO_SESSION,
    (Stage.CANDIDATE, EventKind.FOLLOW_UP): Stage.FOLLOW_UP,
    (Stage.INFO_SESSION, EventKind.FOLLOW_UP): Stage.FOLLOW_UP,
    (Stage.FOLLOW_UP, EventKind.CAPE_SIGNED): Stage.CAPE,
    (Stage.CAPE, EventKind.CAPE_RENEWED): Stage.CAPE,
    (Stage.CAPE, EventKind.FIRST_REVENUE): Stage.CAPE,
    (Stage.CESA, EventKind.FIRST_REVENUE): Stage.CESA,
    (Stage.CAPE, EventKind.CESA_SIGNED): Stage.CESA,
    (Stage.CESA, EventKind.AMENDMENT): Stage.CESA,
    (Stage.ASSOCIATE, EventKind.AMENDMENT): Stage.ASSOCIATE,
    (Stage.CESA, EventKind.ASSOCIATE): Stage.ASSOCIATE,
    **{(stage, EventKind.EXIT): Stage.EXITED for stage in Stage.values if stage != Stage.EXITED},
}
ALL = [(stage, kind) for stage in Stage.values for kind in EventKind.values]


@pytest.mark.parametrize(("stage", "kind"), [pair for pair in ALL if pair in ALLOWED])
def test_allowed_step(stage, kind):
    assert next_stage(stage, kind) == ALLOWED[(stage, kind)]
    assert kind in allowed_events(stage)


@pytest.mark.parametrize(("stage", "kind"), [pair for pair in ALL if pair not in ALLOWED])
def test_forbidden_step_is_refused_in_french(stage, kind):
    with pytest.raises(JourneyError) as exc:
        next_stage(stage, kind)
    assert exc.value.code == "journey_step_not_allowed"
    assert exc.value.message.startswith("Étape impossible depuis « ")
    assert kind not in allowed_events(stage)


def test_unknown_event():
    with pytest.raises(JourneyError, match="inconnu"):
        next_stage(Stage.CANDIDATE, "teleportation")


def test_replay_orders_by_date():
    steps = [
        Step(EventKind.CESA_SIGNED, date(2025, 9, 1)),
        Step(EventKind.INFO_SESSION, date(2024, 9, 5)),
        Step(EventKind.CAPE_SIGNED, date(2024, 11, 1)),
        Step(EventKind.FOLLOW_UP, date(2024, 9, 20)),
    ]
    assert replay(steps) == Stage.CESA


@given(st.lists(st.sampled_from(EventKind.values), max_size=12))
def test_replay_either_reaches_a_stage_or_names_the_refused_step(kinds):
    steps = [Step(kind, date(2024, 1, 1 + i)) for i, kind in enumerate(kinds)]
    stage = Stage.CANDIDATE
    expected_error = None
    for kind in kinds:
        if (stage, kind) not in ALLOWED:
            expected_error = kind
            break
        stage = ALLOWED[(stage, kind)]
    if expected_error is None:
        assert replay(steps) == stage
    else:
        with pytest.raises(JourneyError):
            replay(steps)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 3, 15), 12, date(2026, 3, 15)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2026, 5, 31), -1, date(2026, 4, 30)),
    ],
)
def test_add_months(day, months, expected):
    assert rules.add_months(day, months) == expected


def test_cape_is_at_most_twelve_months():
    rules.cape_check_period(start=date(2025, 1, 1), end=date(2025, 12, 31))
    with pytest.raises(AppError) as exc:
        rules.cape_check_period(start=date(2025, 1, 1), end=date(2026, 1, 1))
    assert exc.value.code == "cape_too_long"
    with pytest.raises(AppError, match="doit suivre"):
        rules.cape_check_period(start=date(2025, 1, 1), end=date(2025, 1, 1))


def test_cape_is_renewable_twice_only():
    rules.cape_check_renewal(renewals_so_far=0)
    rules.cape_check_renewal(renewals_so_far=1)
    with pytest.raises(AppError, match="deux fois"):
        rules.cape_check_renewal(renewals_so_far=2)


def test_cesa_needs_first_revenue_by_default():
    with pytest.raises(AppError, match="premier chiffre"):
        rules.cesa_check_first_revenue(cesa_start=date(2025, 6, 1), first_revenue_on=None, required=True)
    with pytest.raises(AppError, match="05/06/2025"):
        rules.cesa_check_first_revenue(cesa_start=date(2025, 6, 1), first_revenue_on=date(2025, 6, 5), required=True)
    rules.cesa_check_first_revenue(cesa_start=date(2025, 6, 5), first_revenue_on=date(2025, 6, 5), required=True)
    rules.cesa_check_first_revenue(cesa_start=date(2025, 6, 1), first_revenue_on=None, required=False)


def test_reminders_on_fixed_dates():
    (cape,) = rules.cape_reminders(ends_on=date(2026, 3, 31))
    assert cape.on == date(2026, 3, 1)
    deadline = rules.associate_deadline(date(2023, 9, 1))
    assert deadline == date(2026, 9, 1)
    assert [d.on for d in rules.associate_reminders(cesa_start=date(2023, 9, 1))] == [
        date(2026, 3, 1), date(2026, 6, 1), date(2026, 8, 1),
    ]


def test_reminder_lead_times_are_the_caes():
    (cape,) = rules.cape_reminders(ends_on=date(2026, 3, 31), warning_days=45)
    assert cape.on == date(2026, 2, 14) and cape.kind == "cape_ending" and cape.deadline == date(2026, 3, 31)
    assert rules.associate_warning_months() == (6, 3, 1)  # the default: the reminders made before the setting
    assert rules.associate_warning_months(12) == (12, 6, 3, 1)
    assert rules.associate_warning_months(4) == (4, 3, 1)
    assert rules.associate_warning_months(2) == (2, 1)
    assert rules.associate_warning_months(1) == (1,)
    dues = rules.associate_reminders(cesa_start=date(2023, 9, 1), first_warning_months=9)
    assert [(d.kind, d.on) for d in dues] == [
        ("associate_9m", date(2025, 12, 1)), ("associate_6m", date(2026, 3, 1)),
        ("associate_3m", date(2026, 6, 1)), ("associate_1m", date(2026, 8, 1)),
    ]
    assert {d.deadline for d in dues} == {date(2026, 9, 1)}  # the legal deadline does not move


def test_a_reminder_made_under_older_lead_times_is_not_repeated():
    cape = rules.Due("cape_ending", date(2026, 3, 1), date(2026, 3, 31), "…")
    assert rules.due_is_moot(cape, made_on=[date(2026, 2, 14)])  # announced once, whatever the lead time
    assert not rules.due_is_moot(cape, made_on=[])
    nine = rules.Due("associate_9m", date(2025, 12, 1), date(2026, 9, 1), "…")
    assert rules.due_is_moot(nine, made_on=[date(2026, 3, 1)])  # the 6-month warning went out already
    three = rules.Due("associate_3m", date(2026, 6, 1), date(2026, 9, 1), "…")
    assert not rules.due_is_moot(three, made_on=[date(2026, 3, 1)])  # a follow-up still comes
    assert rules.reminder_family("associate_12m") == rules.reminder_family("associate_1m") == "associate"
    assert rules.reminder_family("cape_ending") == "cape_ending"
