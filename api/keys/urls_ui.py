"""The director's pages for the CAE's API keys (mounted at /cles-api/ by essaim.urls_tenant)."""

from django.urls import path

from . import views_ui

urlpatterns = [
    path("", views_ui.apikey_list, name="apikeys"),
    path("<int:pk>/revoquer/", views_ui.apikey_revoke_view, name="apikey-revoke"),
]
