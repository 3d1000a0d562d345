"""Who may do what, in which CAE."""

from __future__ import annotations

from .models import Membership, User


def membership_for(*, user, cooperative) -> Membership | None:
    """The user's active membership of `cooperative`, or None. Cached on the user object for
    the request."""
    if cooperative is None or user is None or not user.is_authenticated:
        return None
    cache = user.__dict__.setdefault("_membership_cache", {})
    if cooperative.pk not in cache:
        cache[cooperative.pk] = (
            Membership.objects.filter(user=user, cooperative=cooperative, is_active=True).first()
        )
    return cache[cooperative.pk]


def user_cooperatives(*, user: User):
    from essaim.cooperatives.models import Cooperative

    return Cooperative.objects.filter(memberships__user=user, memberships__is_active=True).distinct()


def staff_users(*, cooperative):
    """The CAE's active staff (director, counsellors, accounts), by name: who can follow a person
    or run a workshop."""
    ids = Membership.objects.filter(cooperative=cooperative, is_active=True,
                                    role__in=Membership.STAFF_ROLES).values("user_id")
    return User.objects.filter(pk__in=ids).order_by("last_name", "first_name")
