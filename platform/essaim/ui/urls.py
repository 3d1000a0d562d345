from django.urls import path

from api.keys import views_ui as apikeys

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("cles-api/", apikeys.apikey_list, name="apikeys"),
    path("cles-api/<int:pk>/revoquer/", apikeys.apikey_revoke_view, name="apikey-revoke"),
]
