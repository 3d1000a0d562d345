"""One JSON error shape for the whole API: {"code", "field", "message"} (+ "errors" for several)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_default_handler

from essaim.core.errors import AppError

_MESSAGES = {
    "not_authenticated": "Authentification requise : fournissez une clé d'API (en-tête Authorization: Bearer …).",
    "authentication_failed": "Clé d'API invalide ou révoquée.",
    "permission_denied": "Cette clé n'a pas le droit d'accéder à cette ressource.",
    "not_found": "Ressource introuvable.",
    "method_not_allowed": "Méthode non autorisée.",
    "throttled": "Trop de requêtes : réessayez plus tard.",
    "parse_error": "Corps de requête illisible.",
    "unsupported_media_type": "Type de contenu non pris en charge.",
    "not_acceptable": "Format de réponse non disponible.",
}


def _flatten(detail, field=None):
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from _flatten(value, key if key != "non_field_errors" else field)
    elif isinstance(detail, list):
        for item in detail:
            yield from _flatten(item, field)
    else:
        code = getattr(detail, "code", "invalid")
        yield {"code": code, "field": field, "message": str(detail)}


def error_body(code: str, message: str, field: str | None = None, errors: list | None = None) -> dict:
    body = {"code": code, "field": field, "message": message}
    if errors:
        body["errors"] = errors
    return body


def exception_handler(exc, context):
    if isinstance(exc, AppError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_default_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = list(_flatten(exc.detail))
        first = errors[0] if errors else {"code": "invalid", "field": None, "message": "Données invalides."}
        response.data = error_body(first["code"], first["message"], first["field"], errors)
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    if not isinstance(code, str):
        code = "error"
    message = _MESSAGES.get(code) or str(getattr(exc, "detail", exc))
    response.data = error_body(code, message)
    return response
