"""Deterministic synthetic network: same seed, same data.

`network_plan()` is pure (no database, no clock): it draws every CAE, site, person and journey
from `random.Random(seed)` and a seeded French Faker. `demo_generate()` writes a plan: each CAE
through the provisioning service, then its rows in bulk inside the CAE's schema, one transaction
per CAE.
"""

from __future__ import annotations

import random
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from faker import Faker
from stdnum import iban as std_iban
from stdnum import luhn

from essaim.accounts.models import Membership, User
from essaim.audit.actors import DEMO
from essaim.cooperatives.models import Cooperative
from essaim.cooperatives.services import cooperative_create
from tenants.people import rules
from tenants.people.journey import EventKind, ExitOutcome, Stage, Step, replay

from .activity import activity_life
from .data import ACTIVITIES, COOP_NAME_PATTERNS, FIRST_COOPERATIVES, NAF, REFERRERS, TOWNS
from .logins import CAE_LOGINS, DEMO_PASSWORD, NETWORK_USERS, demo_email

REFERENCE_DATE = date(2026, 11, 1)
PARIS = ZoneInfo("Europe/Paris")

STAGE_WEIGHTS = [
    (Stage.CANDIDATE, 7), (Stage.INFO_SESSION, 8), (Stage.FOLLOW_UP, 20), (Stage.CAPE, 25),
    (Stage.CESA, 24), (Stage.ASSOCIATE, 7), (Stage.EXITED, 9),
]
EXIT_WEIGHTS = [
    (ExitOutcome.OWN_COMPANY, 30), (ExitOutcome.FOUND_JOB, 30), (ExitOutcome.PREVIOUS_SITUATION, 25),
    (ExitOutcome.TRAINING, 7), (ExitOutcome.OTHER, 8),
]
SITUATION_WEIGHTS = [
    ("job_seeker", 55), ("minimum_income", 15), ("employee", 12), ("student", 5), ("civil_servant", 3), ("other", 10),
]
EDUCATION_WEIGHTS = [("none", 5), ("cap_bep", 15), ("bac", 20), ("bac2", 22), ("bac3", 20), ("bac5", 18)]


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights, k=1)[0]


def slugify_ascii(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    out = "".join(c if c.isalnum() else "-" for c in ascii_text)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")[:40].strip("-")


def _siren(rng: random.Random) -> str:
    base = str(rng.randrange(10**7, 10**8))
    return base + luhn.calc_check_digit(base)


def _siret(siren: str) -> str:
    base = f"{siren}0001"
    return base + luhn.calc_check_digit(base)


def _iban(siren: str) -> str:
    """A well-formed French IBAN (valid RIB key and IBAN check digits) for a demo CAE's bank account:
    a fictitious bank and branch, the account number taken from the SIREN."""
    bank, branch, account = "42559", "10000", f"0{siren}0"
    rib_key = 97 - (int(bank) * 89 + int(branch) * 15 + int(account) * 3) % 97
    bban = f"{bank}{branch}{account}{rib_key:02d}"
    return f"FR{std_iban.calc_check_digits('FR00' + bban)}{bban}"


@dataclass
class EventPlan:
    kind: str
    on: date
    ends_on: date | None = None
    weekly_hours: Decimal | None = None
    monthly_gross: Decimal | None = None
    outcome: str = ""


@dataclass
class PersonPlan:
    first_name: str
    last_name: str
    gender: str
    birth_date: date
    email: str
    phone: str
    city: str
    postal_code: str
    entry_situation: str
    education_level: str
    referrer: str
    sector_naf: str
    activity_description: str
    site_index: int
    counsellor_index: int
    opened_on: date
    events: list[EventPlan] = field(default_factory=list)

    @property
    def stage(self) -> str:
        return replay(Step(e.kind, e.on) for e in self.events)


@dataclass
class CooperativePlan:
    name: str
    legal_name: str
    slug: str
    kind: str
    sector: str
    region: str
    address: str
    postal_code: str
    city: str
    siren: str
    siret: str
    contribution_rate: str
    sites: list[tuple[str, str, str, str, str]]
    people: list[PersonPlan]
    reference: date = REFERENCE_DATE


def _journey(rng: random.Random, target: str, opened_on: date, ref: date) -> list[EventPlan]:
    """Events that lead from candidate to `target`, spaced realistically, none after `ref`."""
    events: list[EventPlan] = []
    day = opened_on

    def step(days_min: int, days_max: int) -> date:
        nonlocal day
        day = min(day + timedelta(days=rng.randint(days_min, days_max)), ref)
        return day

    order = [Stage.INFO_SESSION, Stage.FOLLOW_UP, Stage.CAPE, Stage.CESA, Stage.ASSOCIATE]
    exiting = target == Stage.EXITED
    reach = order.index(rng.choice(order[:4])) if exiting else (order.index(target) if target in order else -1)
    for index, stage in enumerate(order[: reach + 1]):
        if stage == Stage.INFO_SESSION:
            events.append(EventPlan(EventKind.INFO_SESSION, step(2, 20)))
        elif stage == Stage.FOLLOW_UP:
            events.append(EventPlan(EventKind.FOLLOW_UP, step(5, 30)))
        elif stage == Stage.CAPE:
            start = step(20, 90)
            events.append(EventPlan(EventKind.CAPE_SIGNED, start, ends_on=rules.add_months(start, 12) - timedelta(days=1)))
            if index < reach or rng.random() < 0.6:
                events.append(EventPlan(EventKind.FIRST_REVENUE, step(15, 120)))
        elif stage == Stage.CESA:
            hours = Decimal(rng.choice([7, 10, 14, 17.5, 20, 24]))
            events.append(EventPlan(EventKind.CESA_SIGNED, step(30, 200), weekly_hours=hours,
                                    monthly_gross=(hours * Decimal("52") / 12 * Decimal("12.02")).quantize(Decimal("0.01"))))
            if rng.random() < 0.5:
                hours = min(Decimal("35"), hours + Decimal(rng.choice([5, 7, 10])))
                events.append(EventPlan(EventKind.AMENDMENT, step(90, 300), weekly_hours=hours,
                                        monthly_gross=(hours * Decimal("52") / 12 * Decimal("12.02")).quantize(Decimal("0.01"))))
        elif stage == Stage.ASSOCIATE:
            events.append(EventPlan(EventKind.ASSOCIATE, step(200, 700)))
    if exiting:
        events.append(EventPlan(EventKind.EXIT, step(10, 200), outcome=_pick(rng, EXIT_WEIGHTS)))
    return events


def _people(rng: random.Random, fake: Faker, count: int, sector: str, sites: list, slug: str,
            ref: date) -> list[PersonPlan]:
    people = []
    for i in range(count):
        gender = rng.choices(["F", "M", "X"], weights=[49, 49, 2])[0]
        first = fake.first_name_female() if gender == "F" else fake.first_name_male()
        last = fake.last_name()
        naf = rng.choice(NAF.get(sector, NAF["multi"]))
        site_index = 0 if rng.random() < 0.5 else rng.randrange(len(sites))
        target = _pick(rng, STAGE_WEIGHTS)
        span = {Stage.CANDIDATE: 40, Stage.INFO_SESSION: 60, Stage.FOLLOW_UP: 200, Stage.CAPE: 420}.get(target, 1500)
        opened_on = ref - timedelta(days=rng.randint(10, span))
        person = PersonPlan(
            first_name=first, last_name=last, gender=gender,
            birth_date=ref - timedelta(days=rng.randint(20 * 365, 62 * 365)),
            email=f"{slugify_ascii(first)}.{slugify_ascii(last)}.{i}@{slug}.demo",
            phone=f"06{rng.randrange(10**8):08d}",
            city=sites[site_index][2], postal_code=sites[site_index][4],
            entry_situation=_pick(rng, SITUATION_WEIGHTS), education_level=_pick(rng, EDUCATION_WEIGHTS),
            referrer=rng.choice(REFERRERS), sector_naf=naf, activity_description=ACTIVITIES.get(naf, ""),
            site_index=site_index, counsellor_index=rng.randrange(2), opened_on=opened_on,
        )
        person.events = _journey(rng, target, opened_on, ref)
        people.append(person)
    return people


def network_plan(*, cooperatives: int, entrepreneurs: int, seed: int,
                 reference: date = REFERENCE_DATE) -> list[CooperativePlan]:
    """Same arguments, same plan. `reference` is the day the demo is "as of": journeys end by it
    and sessions and workshops are scheduled around it (`make run` uses today)."""
    rng = random.Random(seed)
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    plans: list[CooperativePlan] = []
    used_slugs: set[str] = set()
    for index in range(cooperatives):
        if index < len(FIRST_COOPERATIVES):
            spec = FIRST_COOPERATIVES[index]
            name, slug, legal_name = spec["name"], spec["slug"], spec["legal_name"]
            kind, sector, region, rate = spec["kind"], spec["sector"], spec["region"], spec["rate"]
            city, postal_code, address = spec["city"], spec["postal_code"], spec["address"]
            sites = list(spec["sites"])
        else:
            town, postal_code, dept, region, nearby = TOWNS[(index - len(FIRST_COOPERATIVES)) % len(TOWNS)]
            name = rng.choice(COOP_NAME_PATTERNS).format(town=town)
            round_ = (index - len(FIRST_COOPERATIVES)) // len(TOWNS)
            if round_:
                name = f"{name} {round_ + 1}"
            slug = slugify_ascii(name)
            legal_name, kind, sector, city = f"{name} SCOP SA", "regional", "multi", town
            rate = rng.choice(["10.00", "11.50", "12.00"])
            address = f"{rng.randint(1, 120)} {rng.choice(['rue de la République', 'avenue Jean Jaurès', 'place du Marché', 'rue Victor Hugo'])}"
            sites = [(f"{town} — siège", "head_office", town, dept, postal_code)]
            sites += [(t, rng.choice(["branch", "outreach"]), t, dept, postal_code) for t in nearby[: rng.randint(0, 3)]]
        base, n = slug, 2
        while slug in used_slugs:
            slug, n = f"{base[:36]}-{n}", n + 1
        used_slugs.add(slug)
        siren = _siren(rng)
        count = entrepreneurs * 2 if index == 0 else entrepreneurs
        plans.append(CooperativePlan(
            name=name, legal_name=legal_name, slug=slug, kind=kind, sector=sector, region=region, address=address,
            postal_code=postal_code, city=city, siren=siren, siret=_siret(siren), contribution_rate=rate,
            sites=sites, people=_people(rng, fake, count, sector, sites, slug, reference), reference=reference,
        ))
    return plans


# -- writing ----------------------------------------------------------------------------------

def _user(email: str, password_hash: str, **fields) -> User:
    user, _ = User.objects.get_or_create(email=email, defaults={"password": password_hash, **fields})
    return user


def network_users(password_hash: str) -> None:
    for email, role, _label in NETWORK_USERS:
        _user(email, password_hash, network_role=role,
              first_name="Réseau" if role == "network_staff" else "Admin", last_name="Essaim")


def cooperative_write(plan: CooperativePlan, *, index: int, password_hash: str) -> Cooperative | None:
    from tenants.people.models import Contract, ContractAmendment, Entrepreneur, Journey, JourneyEvent, Site
    from tenants.support.models import InfoSession, Workshop

    if Cooperative.objects.filter(slug=plan.slug).exists():
        return None
    with transaction.atomic():
        coop = cooperative_create(
            name=plan.name, legal_name=plan.legal_name, slug=plan.slug, siren=plan.siren, siret=plan.siret,
            region=plan.region, address=plan.address, postal_code=plan.postal_code, city=plan.city,
            kind=plan.kind, sector=plan.sector, contribution_rate=plan.contribution_rate,
            iban=_iban(plan.siren), bic="CCOPFRPPXXX", acting_user=DEMO,
        )
        staff = {}
        fake = Faker("fr_FR")
        fake.seed_instance(index)
        for role, local, _label in CAE_LOGINS:
            locals_ = [local, f"{local}2"] if role == "counsellor" else [local]
            for loc in locals_:
                first = fake.first_name()
                user = _user(demo_email(plan.slug, loc), password_hash, first_name=first, last_name=fake.last_name())
                Membership.objects.get_or_create(user=user, cooperative=coop, defaults={"role": role})
                staff[loc] = user
        counsellors = [staff["conseil"], staff["conseil2"]]
        with coop:
            sites = Site.objects.bulk_create([
                Site(name=name, kind=kind, city=city, department=dept, postal_code=pc)
                for name, kind, city, dept, pc in plan.sites
            ])
            people = Entrepreneur.objects.bulk_create([
                Entrepreneur(
                    first_name=p.first_name, last_name=p.last_name, gender=p.gender, birth_date=p.birth_date,
                    email=p.email, phone=p.phone, city=p.city, postal_code=p.postal_code,
                    entry_situation=p.entry_situation, education_level=p.education_level, referrer=p.referrer,
                    sector_naf=p.sector_naf, activity_description=p.activity_description,
                    # Every other activity trades under a name of its own, the others under the person's.
                    trading_name=f"{p.activity_description} {p.last_name}"[:120] if i % 2 and p.activity_description else "",
                    site=sites[p.site_index], counsellor=counsellors[p.counsellor_index], stage=p.stage,
                    user=staff["entrepreneur"] if i == 0 else None,
                )
                for i, p in enumerate(plan.people)
            ])
            exits = {id(p): next((e for e in p.events if e.kind == EventKind.EXIT), None) for p in plan.people}
            journeys = Journey.objects.bulk_create([
                Journey(entrepreneur=person, number=1, opened_on=p.opened_on,
                        closed_on=exits[id(p)].on if exits[id(p)] else None,
                        exit_outcome=exits[id(p)].outcome if exits[id(p)] else "")
                for person, p in zip(people, plan.people, strict=True)
            ])
            pairs = [(journey, e) for journey, p in zip(journeys, plan.people, strict=True) for e in p.events]
            events = JourneyEvent.objects.bulk_create([
                JourneyEvent(journey=journey, kind=e.kind, on=e.on,
                             details={"outcome": e.outcome} if e.outcome else {})
                for journey, e in pairs
            ])
            contracts, amendments, last_cesa = [], [], {}
            for (journey, e), event in zip(pairs, events, strict=True):
                if e.kind == EventKind.CAPE_SIGNED:
                    contracts.append(Contract(journey=journey, kind="cape", starts_on=e.on, ends_on=e.ends_on,
                                              event=event))
                elif e.kind == EventKind.CESA_SIGNED:
                    cesa = Contract(journey=journey, kind="cesa", starts_on=e.on, weekly_hours=e.weekly_hours,
                                    monthly_gross=e.monthly_gross, event=event)
                    for previous in contracts:
                        if previous.journey is journey and previous.kind == "cape" and previous.ends_on > e.on:
                            previous.ends_on = e.on
                    contracts.append(cesa)
                    last_cesa[journey.pk] = cesa
                elif e.kind == EventKind.AMENDMENT:
                    amendments.append((journey.pk, ContractAmendment(effective_on=e.on, weekly_hours=e.weekly_hours,
                                                                     monthly_gross=e.monthly_gross, event=event)))
                elif e.kind == EventKind.EXIT:
                    for previous in contracts:
                        if previous.journey is journey and (previous.ends_on is None or previous.ends_on > e.on):
                            previous.ends_on = e.on
            Contract.objects.bulk_create(contracts)
            for journey_id, amendment in amendments:
                amendment.contract = last_cesa[journey_id]
            ContractAmendment.objects.bulk_create([a for _, a in amendments])
            rng = random.Random(index)
            sessions = []
            for week in range(-6, 4):
                day = plan.reference + timedelta(weeks=week)
                sessions.append(InfoSession(starts_at=datetime.combine(day, dtime(9, 30), PARIS), site=sites[0],
                                            capacity=15, host=counsellors[week % 2]))
            InfoSession.objects.bulk_create(sessions)
            themes = [("management", "Tenir sa comptabilité d'activité"), ("sales", "Trouver ses premiers clients"),
                      ("legal", "Le CESA expliqué"), ("insurance", "Assurer son activité"),
                      ("it", "Se lancer sur le web"), ("project", "Construire son prévisionnel")]
            workshops = Workshop.objects.bulk_create([
                Workshop(title=title, theme=theme, site=sites[rng.randrange(len(sites))], capacity=12,
                         starts_at=datetime.combine(plan.reference + timedelta(days=7 * i - 20), dtime(14, 0), PARIS),
                         facilitator_staff=counsellors[i % 2])
                for i, (theme, title) in enumerate(themes)
            ])
            _support_history(rng, people, plan.people, counsellors, sessions, workshops, plan.reference)
            _invoicing(rng, fake, people, plan.people, plan.reference)
            activity_life(rng, people, plan.reference)
            _payroll(plan.reference)
    connection.set_schema_to_public()
    return coop


def _support_history(rng, people, plans, counsellors, sessions, workshops, ref: date) -> None:
    """Meetings at each follow-up start, info-session attendance, workshop registrations."""
    from tenants.support.models import InfoSessionRegistration, Meeting, WorkshopRegistration

    meetings, session_regs, workshop_regs = [], [], []
    notes = ["Point sur le projet et le prévisionnel.", "Préparation du premier devis.",
             "Bilan des trois premiers mois d'activité.", "Questions sur le CESA et les avenants."]
    for person, plan in zip(people, plans, strict=True):
        follow = next((e for e in plan.events if e.kind == EventKind.FOLLOW_UP), None)
        if follow:
            meetings.append(Meeting(entrepreneur=person, counsellor=counsellors[plan.counsellor_index],
                                    site_id=person.site_id, held_at=datetime.combine(follow.on, dtime(10, 0), PARIS),
                                    notes=rng.choice(notes), next_steps="Revoir le prévisionnel.",
                                    follow_up_on=follow.on + timedelta(days=21),
                                    follow_up_done=person.stage != Stage.FOLLOW_UP))
        if person.stage in (Stage.CANDIDATE, Stage.INFO_SESSION) and rng.random() < 0.6:
            session = sessions[-1 - rng.randrange(3)] if person.stage == Stage.CANDIDATE else sessions[rng.randrange(6)]
            status = "registered" if session.starts_at.date() >= ref else "attended"
            session_regs.append(InfoSessionRegistration(session=session, entrepreneur=person, status=status))
        if person.stage in (Stage.CAPE, Stage.CESA) and rng.random() < 0.5:
            workshop = workshops[rng.randrange(len(workshops))]
            status = "registered" if workshop.starts_at.date() >= ref else rng.choice(["attended", "absent"])
            workshop_regs.append(WorkshopRegistration(workshop=workshop, entrepreneur=person, status=status))
    Meeting.objects.bulk_create(meetings)
    InfoSessionRegistration.objects.bulk_create(session_regs, ignore_conflicts=True)
    WorkshopRegistration.objects.bulk_create(workshop_regs, ignore_conflicts=True)


def _invoicing(rng, fake, people, plans, ref: date) -> None:
    """Customers and issued invoices for activities past their CAPE signature: a few per person
    over the last year (CESAME's 85 entrepreneurs invoiced about 200 k€ a year). Written through
    the services an entrepreneur and the accounts team use — customer_create (identifiers checked),
    invoice_create_draft, invoice_finalise in date order (the series' numbers, the due date of the
    CAE's payment terms, the parties frozen, the ledger entry) — so the demo's books are exactly
    what a CAE's would be."""
    from tenants.activity.services import LineInput, customer_create, invoice_create_draft, invoice_finalise

    customers_of: dict[int, list] = {}
    drafts = []
    for person, plan in zip(people, plans, strict=True):
        cape = next((e for e in plan.events if e.kind == EventKind.CAPE_SIGNED), None)
        if cape is None:
            continue
        end = next((e.on for e in plan.events if e.kind == EventKind.EXIT), ref)
        start = max(cape.on, ref - timedelta(days=365))
        if end <= start:
            continue
        for _ in range(rng.randint(1, 3)):
            company = rng.random() < 0.6
            customers_of.setdefault(person.pk, []).append(customer_create(
                entrepreneur=person, kind="company" if company else "individual",
                name=fake.company() if company else fake.name(), siren=_siren(rng) if company else "",
                billing_address=fake.street_address()[:200], billing_postal_code=person.postal_code or "51100",
                billing_city=person.city or "Reims", acting_user=DEMO))
        span = (end - start).days
        gross = _monthly_gross(plan, end)
        if gross:
            # An employee-entrepreneur invoices in proportion to their salary; scaled so that a
            # CAE's revenue stays in line with the seeds (CESAME: 85 people, about 200 k€ a year).
            target = gross * 12 * Decimal(rng.randint(55, 75)) / 100 * span / 365
            count = rng.randint(6, 14)
            amounts = [(target / count * Decimal(rng.randint(60, 140)) / 100).quantize(Decimal("1"))
                       for _ in range(count)]
        else:  # testing the activity (CAPE) or gone: a few small invoices
            amounts = [Decimal(rng.randint(150, 1200)) for _ in range(rng.randint(1, 5))]
        for amount in amounts:
            on = start + timedelta(days=rng.randint(0, span))
            drafts.append((person, on, max(amount, Decimal("50"))))
    drafts.sort(key=lambda d: (d[1], d[0].pk))  # finalised in date order: the series is chronological
    for person, on, amount in drafts:
        invoice = invoice_create_draft(entrepreneur=person, customer=rng.choice(customers_of[person.pk]),
                                       operation="services", acting_user=DEMO,
                                       lines=[LineInput(person.activity_description or "Prestation", Decimal("1"),
                                                        amount, "20.00")])
        invoice_finalise(invoice=invoice, on=on, acting_user=DEMO)


def _monthly_gross(plan: PersonPlan, on: date) -> Decimal | None:
    """The fixed monthly gross of the person's CESA on `on` (amendments included), or None."""
    gross = None
    for event in plan.events:
        if event.on > on:
            break
        if event.kind in (EventKind.CESA_SIGNED, EventKind.AMENDMENT):
            gross = event.monthly_gross
        elif event.kind == EventKind.EXIT:
            gross = None
    return gross


def _payroll(ref: date) -> None:
    """Close the payroll of every past month of the reference year for the CESA contracts, through
    the services (a run's query count does not depend on its size). The payslip PDFs are not
    queued: each is rendered the first time someone opens it."""
    from essaim.core.errors import AppError
    from tenants.payroll.runs import payroll_run_check, payroll_run_close, payroll_run_create

    for month in range(1, ref.month):
        try:
            run = payroll_run_create(month=date(ref.year, month, 1), acting_user=DEMO)
        except AppError as exc:
            if exc.code == "payrates_missing":
                continue  # no rate table for that year
            raise
        payroll_run_check(run=run, acting_user=DEMO)
        payroll_run_close(run=run, render_payslips=False, acting_user=DEMO)


def demo_generate(*, cooperatives: int = 6, entrepreneurs: int = 40, seed: int = 2026,
                  reference: date = REFERENCE_DATE, stdout=None) -> list[Cooperative]:
    started = time.monotonic()
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: argon2 per user would dominate
    network_users(password_hash)
    made = []
    for index, plan in enumerate(network_plan(cooperatives=cooperatives, entrepreneurs=entrepreneurs, seed=seed,
                                             reference=reference)):
        coop = cooperative_write(plan, index=index, password_hash=password_hash)
        if stdout is not None:
            state = "créée" if coop else "déjà présente"
            stdout.write(f"  [{index + 1}/{cooperatives}] {plan.name} ({plan.slug}) {state}, "
                         f"{len(plan.people)} personnes — {time.monotonic() - started:.1f} s")
        if coop:
            made.append(coop)
    return made
