"""Base of every API view on the network's public domain (no CAE schema here).

No API key is valid on this domain (keys live in each CAE's schema): callers are anonymous, or a
user signed in on this domain (session). Views decide what each sees through the network apps'
access helpers; a view on a CAE's domain answers 404."""

from __future__ import annotations

from django.http import Http404
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.views import APIView


class SignedIn(BasePermission):
    def has_permission(self, request, view):
        user = getattr(request._request, "user", None)
        return bool(user is not None and user.is_authenticated)


class NetworkAPIView(APIView):
    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]

    def initial(self, request, *args, **kwargs):
        if getattr(request._request, "cooperative", None) is not None:
            raise Http404
        super().initial(request, *args, **kwargs)

    @property
    def web_user(self):
        """The signed-in user (or None): DRF's request.user with UNAUTHENTICATED_USER = None."""
        user = getattr(self.request, "user", None)
        return user if user is not None and getattr(user, "is_authenticated", False) else None
