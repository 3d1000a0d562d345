"""Access chokepoints for CAE pages: the request's membership decides, never a URL parameter."""

from functools import wraps

from django.core.exceptions import PermissionDenied


def member_required(*roles):
    """The view needs a membership of the current CAE, optionally with one of `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            membership = getattr(request, "membership", None)
            if membership is None or (roles and membership.role not in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def staff_required(view):
    from essaim.accounts.models import Membership

    return member_required(*Membership.STAFF_ROLES)(view)
