from rest_framework.permissions import BasePermission

from .models import ApiKey


class HasApiKey(BasePermission):
    """A valid key of this CAE holding every scope the view requires. Fail-closed: a view that
    requires no scope refuses every key, unless it is marked `dangerously_any_scope`."""

    message = "Cette clé n'a pas le droit d'accéder à cette ressource."

    def has_permission(self, request, view):
        key = request.auth
        if not isinstance(key, ApiKey):
            return False
        required = tuple(getattr(view, "required_scopes", ()) or ())
        if not required:
            return getattr(view, "dangerously_any_scope", False) is True
        return all(scope in key.scopes for scope in required)
