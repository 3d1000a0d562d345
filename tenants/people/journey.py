"""The entrepreneur's journey as a state machine over dated events.

The stage of a journey is never stored as the truth: it is derived by replaying the journey's
events in date order. Every step is checked against the allowed transitions and refused with a
stable code and a French message.

    candidate → info_session → follow_up → cape → cesa ⇄ (amendments) → associate
    any stage → exited (with an outcome); a person who comes back starts a new journey.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from essaim.core.errors import AppError


class Stage(models.TextChoices):
    CANDIDATE = "candidate", _("Porteur de projet")
    INFO_SESSION = "info_session", _("Réunion d'information suivie")
    FOLLOW_UP = "follow_up", _("Accompagnement individuel")
    CAPE = "cape", _("CAPE signé (test d'activité)")
    CESA = "cesa", _("Entrepreneur·e-salarié·e (CESA)")
    ASSOCIATE = "associate", _("Associé·e")
    EXITED = "exited", _("Sorti·e")


class EventKind(models.TextChoices):
    INFO_SESSION = "info_session", _("Participation à une réunion d'information")
    FOLLOW_UP = "follow_up", _("Début de l'accompagnement individuel")
    CAPE_SIGNED = "cape_signed", _("Signature du CAPE")
    CAPE_RENEWED = "cape_renewed", _("Renouvellement du CAPE")
    FIRST_REVENUE = "first_revenue", _("Premier chiffre d'affaires")
    CESA_SIGNED = "cesa_signed", _("Signature du CESA")
    AMENDMENT = "amendment", _("Avenant au contrat")
    ASSOCIATE = "associate", _("Entrée au sociétariat")
    EXIT = "exit", _("Sortie")


class ExitOutcome(models.TextChoices):
    OWN_COMPANY = "own_company", _("Création de sa propre entreprise (immatriculation)")
    PREVIOUS_SITUATION = "previous_situation", _("Retour à la situation antérieure")
    FOUND_JOB = "found_job", _("Retour à l'emploi salarié")
    TRAINING = "training", _("Formation")
    OTHER = "other", _("Autre")


# event kind → {from stage: to stage}
TRANSITIONS: dict[str, dict[str, str]] = {
    EventKind.INFO_SESSION: {Stage.CANDIDATE: Stage.INFO_SESSION, Stage.INFO_SESSION: Stage.INFO_SESSION},
    EventKind.FOLLOW_UP: {Stage.INFO_SESSION: Stage.FOLLOW_UP, Stage.CANDIDATE: Stage.FOLLOW_UP},
    EventKind.CAPE_SIGNED: {Stage.FOLLOW_UP: Stage.CAPE},
    EventKind.CAPE_RENEWED: {Stage.CAPE: Stage.CAPE},
    EventKind.FIRST_REVENUE: {Stage.CAPE: Stage.CAPE, Stage.CESA: Stage.CESA},
    EventKind.CESA_SIGNED: {Stage.CAPE: Stage.CESA},
    EventKind.AMENDMENT: {Stage.CESA: Stage.CESA, Stage.ASSOCIATE: Stage.ASSOCIATE},
    EventKind.ASSOCIATE: {Stage.CESA: Stage.ASSOCIATE},
    EventKind.EXIT: {s: Stage.EXITED for s in Stage.values if s != Stage.EXITED},
}

_REFUSALS = {
    EventKind.INFO_SESSION: "Une réunion d'information ne peut être enregistrée qu'avant l'accompagnement.",
    EventKind.FOLLOW_UP: "L'accompagnement individuel commence après l'accueil (candidature ou réunion d'information).",
    EventKind.CAPE_SIGNED: "Un CAPE se signe pendant l'accompagnement individuel.",
    EventKind.CAPE_RENEWED: "Seul un CAPE en cours peut être renouvelé.",
    EventKind.FIRST_REVENUE: "Un premier chiffre d'affaires suppose un CAPE ou un CESA en cours.",
    EventKind.CESA_SIGNED: "Un CESA se signe à l'issue d'un CAPE.",
    EventKind.AMENDMENT: "Un avenant ne s'applique qu'à un CESA en cours.",
    EventKind.ASSOCIATE: "On devient associé·e à partir d'un CESA.",
    EventKind.EXIT: "Ce parcours est déjà clos : ouvrez un nouveau parcours.",
}


class JourneyError(AppError):
    pass


@dataclass(frozen=True)
class Step:
    """What the state machine needs to know about one event."""

    kind: str
    on: date


def next_stage(stage: str, kind: str) -> str:
    """The stage after `kind` happens at `stage`, or JourneyError in French."""
    if kind not in TRANSITIONS:
        raise JourneyError("journey_unknown_event", f"Événement de parcours inconnu : {kind}.", field="kind")
    target = TRANSITIONS[kind].get(stage)
    if target is None:
        current = Stage(stage).label if stage in Stage.values else stage
        raise JourneyError(
            "journey_step_not_allowed",
            f"Étape impossible depuis « {current} » : {_REFUSALS[kind]}",
            field="kind",
        )
    return target


def replay(steps: Iterable[Step], start: str = Stage.CANDIDATE) -> str:
    """Derive the stage from the events, oldest first (ties keep their given order)."""
    stage = start
    for step in sorted(steps, key=lambda s: s.on):
        stage = next_stage(stage, step.kind)
    return stage


def allowed_events(stage: str) -> list[str]:
    return [kind for kind, moves in TRANSITIONS.items() if stage in moves]
