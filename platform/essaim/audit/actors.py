"""Who acts: a signed-in user, or a named system actor (a Celery task, a command, the demo, an
API key). Every write service takes one as `acting_user`, and the audit trail records it — never
an anonymous write."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from essaim.accounts.models import User


@dataclass(frozen=True)
class SystemActor:
    """Not a person: recorded by its name (« tâche : rappels quotidiens », « démo »…). It is never
    authenticated, so nothing that checks a user's rights grants it anything."""

    name: str
    is_authenticated: ClassVar[bool] = False
    pk: ClassVar[None] = None

    def __post_init__(self) -> None:
        if not self.name.strip() or len(self.name) > 80:
            raise ValueError("a system actor has a name of 1 to 80 characters")

    def __str__(self) -> str:
        return self.name


type Actor = User | SystemActor

DEMO = SystemActor("démo")


def task_actor(name: str) -> SystemActor:
    """The actor of a Celery task or beat entry (its short name)."""
    return SystemActor(f"tâche : {name}"[:80])


def command_actor(name: str) -> SystemActor:
    """The actor of a management command run from a shell."""
    return SystemActor(f"commande : {name}"[:80])


def actor_user(actor: object) -> User | None:
    """The user behind an actor, for a `created_by`-style column: None for a system actor (or
    anything that is not a user)."""
    from essaim.accounts.models import User

    return actor if isinstance(actor, User) else None
