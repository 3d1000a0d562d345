"""The network's public site: the bare base domain."""

from django.contrib import admin
from django.urls import include, path

from essaim.health import views as health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("essaim.accounts.urls")),
    path("essaimage/", include("network.onboarding.urls")),
    path("api/", include("api.urls_public")),
    path("statistiques/", include("network.stats.urls")),
    path("baremes-de-paie/", include("essaim.payrates.urls")),  # network staff
    path("", include("network.portal.urls")),
    path("", include("network.resources.urls")),
]
