from rest_framework.permissions import BasePermission

from .models import ApiKey


class HasApiKey(BasePermission):
    """Any valid key of this CAE; views narrow it with `required_scopes`."""

    message = "Cette clé n'a pas le droit d'accéder à cette ressource."

    def has_permission(self, request, view):
        key = request.auth
        if not isinstance(key, ApiKey):
            return False
        required = getattr(view, "required_scopes", ())
        return all(scope in key.scopes for scope in required)
