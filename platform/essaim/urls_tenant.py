"""A CAE's site: `<slug>.<base domain>`."""

from django.urls import include, path

from essaim.health import views as health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("api.urls")),
    path("", include("essaim.accounts.urls")),
    path("personnes/", include("tenants.people.urls")),
    path("accompagnement/", include("tenants.support.urls")),
    path("activite/", include("tenants.activity.urls")),
    path("comptabilite/", include("tenants.ledger.urls")),
    path("paie/", include("tenants.payroll.urls")),
    path("modeles/", include("tenants.catalogue.urls")),
    path("facturation-electronique/", include("tenants.einvoicing.urls")),
    path("achats/", include("tenants.purchases.urls")),
    path("statistiques/", include("network.stats.urls_cae")),  # this CAE beside the network
    path("cles-api/", include("api.keys.urls_ui")),
    path("", include("tenants.home.urls")),
]
