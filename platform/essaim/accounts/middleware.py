"""A session belongs to the host it was opened on, and a CAE host serves its members only."""

from django.contrib.auth import logout
from django.db import connection

from .selectors import membership_for

SESSION_SCHEMA_KEY = "essaim_schema"


class CooperativeAccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            bound = request.session.get(SESSION_SCHEMA_KEY)
            if bound != connection.schema_name:
                # A session cookie replayed on another host: never valid there.
                logout(request)
            else:
                cooperative = getattr(request, "cooperative", None)
                if cooperative is not None:
                    request.membership = membership_for(user=user, cooperative=cooperative)
                    if request.membership is None:
                        logout(request)
        return self.get_response(request)
