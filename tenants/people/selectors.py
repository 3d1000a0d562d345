"""Reads on people, always scoped to the current CAE (its schema) and to the user's role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, QuerySet
from django.http import Http404

from essaim.accounts.models import Membership
from essaim.core.params import int_param
from essaim.core.search import words_match

from .journey import Stage
from .models import Entrepreneur
from .person_data import PROVIDERS, TimelineItem


def people_visible_to(membership: Membership) -> QuerySet[Entrepreneur]:
    """Staff see the CAE's people; an entrepreneur sees only themself."""
    people = Entrepreneur.objects.filter(anonymised_at__isnull=True)
    if membership.is_staff_role:
        return people
    return people.filter(user_id=membership.user_id)


def person_get_for(*, actor: Membership, pk: int) -> Entrepreneur:
    """The one chokepoint for a person named in a request: 404 for anyone else's."""
    person = people_visible_to(actor).select_related("site").filter(pk=pk).first()
    if person is None:
        raise Http404("Personne introuvable.")
    return person


def people_filter(qs: QuerySet[Entrepreneur], *, q: str = "", stage: str = "", site: str = "",
                  counsellor: str = "", sector: str = "") -> QuerySet[Entrepreneur]:
    if q.strip():
        annotations, condition = words_match(["first_name", "last_name", "email", "activity_description"], q)
        qs = qs.alias(**annotations).filter(condition)
    if stage in Stage.values:
        qs = qs.filter(stage=stage)
    if (site_id := int_param(site)) is not None:
        qs = qs.filter(site_id=site_id)
    if (counsellor_id := int_param(counsellor)) is not None:
        qs = qs.filter(counsellor_id=counsellor_id)
    if sector:
        qs = qs.filter(sector_naf__startswith=sector[:5])
    return qs


@dataclass
class Column:
    stage: str
    label: str
    count: int
    people: list[Entrepreneur]


def pipeline_board(qs: QuerySet[Entrepreneur], *, per_column: int = 15) -> list[Column]:
    """Counts per stage (one aggregate query) and the first people of each column (one query per
    column, whatever the number of people)."""
    counts = dict(qs.values_list("stage").annotate(n=Count("id")))
    columns = []
    for stage, label in Stage.choices:
        people = list(qs.filter(stage=stage).order_by("last_name", "first_name")
                      .only("id", "first_name", "last_name", "stage", "sector_naf")[:per_column]) if counts.get(stage) else []
        columns.append(Column(stage, str(label), counts.get(stage, 0), people))
    return columns


def person_timeline(person: Entrepreneur) -> list[TimelineItem]:
    """Everything dated about a person, newest first, in a fixed number of queries: the journey's
    events here, what the other apps hold through their registered providers (person_data)."""
    from .journey import ExitOutcome
    from .models import JourneyEvent

    items: list[TimelineItem] = []
    for event in JourneyEvent.objects.filter(journey__entrepreneur=person).select_related("journey"):
        detail = f"Parcours {event.journey.number}"
        if event.details.get("outcome"):
            detail += f" — {ExitOutcome(event.details['outcome']).label}"
        items.append(TimelineItem(event.on, "event", event.get_kind_display(), detail))
    for provider in PROVIDERS:
        items.extend(provider.timeline(person))
    return sorted(items, key=lambda i: i.on if isinstance(i.on, date) else i.on.date(), reverse=True)
