"""Tenant routing by host, with a guarantee that no schema outlives its request."""

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import Http404
from django.urls import set_urlconf
from django_tenants.middleware.main import TenantMainMiddleware as BaseTenantMiddleware

from essaim.settings.sentry import tag_schema


class TenantMainMiddleware(BaseTenantMiddleware):
    """`<slug>.<base domain>` is a CAE, the bare base domain is the network's public site.

    The public site needs no tenant row: the base domain maps to the public schema. An unknown
    or inactive CAE host is a 404. After the response the connection goes back to the public
    schema, so the search path of one request can never leak into the next one."""

    def __call__(self, request):
        try:
            return super().__call__(request)
        finally:
            connection.set_schema_to_public()

    def process_request(self, request):
        connection.set_schema_to_public()
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            raise Http404("Hôte inconnu.") from None
        if hostname in public_hostnames():
            request.tenant = connection.tenant
            request.cooperative = None
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            tag_schema("public")
            return None
        from essaim.cooperatives.models import Domain

        domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
        if domain is None or not domain.tenant.is_active:
            raise Http404("Aucune coopérative à cette adresse.")
        tenant = domain.tenant
        tenant.domain_url = hostname
        request.tenant = tenant
        request.cooperative = tenant
        connection.set_tenant(tenant)
        request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        tag_schema(tenant.schema_name)
        return None


def public_hostnames() -> set[str]:
    return {settings.BASE_DOMAIN, "127.0.0.1", "testserver"}


class FrenchFirstLocaleMiddleware:
    """French unless the user chose another language (language cookie set by /i18n/setlang/):
    the browser's Accept-Language is not followed, so a French CAE's pages stay French."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


def reads_own_body(view):
    """Mark an upload view whose body RejectNulMiddleware must not read (see there)."""
    view.reads_own_body = True
    return view


class RejectNulMiddleware:
    """A NUL character in a query string or form field is refused at the edge with a French
    message: PostgreSQL cannot store it in text, and without this each text field that reaches
    the database would answer 500 instead."""

    MESSAGE = "Caractère invalide (NUL) dans le champ « {field} »."

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """The query string always; the form body too, unless the view reads its own body
        (`reads_own_body`: an upload view that must refuse an oversized file from its
        Content-Length before anything reads it, and whose fields go through Django forms,
        which refuse NUL characters themselves)."""
        own_body = getattr(view_func, "reads_own_body", False)
        sources = (request.GET, request.POST) if request.method == "POST" and not own_body else (request.GET,)
        for source in sources:
            for key, values in source.lists():
                if "\x00" in key or any("\x00" in v for v in values):
                    return self._refuse(request, key.replace("\x00", ""))
        return None

    def _refuse(self, request, field: str):
        from django.http import HttpResponseBadRequest, JsonResponse

        message = self.MESSAGE.format(field=field)
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "nul_character", "field": field, "message": message}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
