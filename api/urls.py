from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from . import views

urlpatterns = [
    path("v1/me", views.MeView.as_view(), name="api-me"),
    path("v1/", include("api.people.urls")),
    path("v1/", include("api.activity.urls")),
    path("v1/", include("api.ledger.urls")),
    path("v1/", include("api.payroll.urls")),
    # The schema and its documentation hold no CAE data: readable without a key.
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[]),
         name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[AllowAny],
                                                 authentication_classes=[]), name="api-docs"),
]
