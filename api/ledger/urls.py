from django.urls import path

from . import views

urlpatterns = [
    path("trial-balance", views.TrialBalance.as_view(), name="api-trial-balance"),
    path("fec-exports", views.FecExports.as_view(), name="api-fec-exports"),
    path("fec-exports/<int:pk>", views.FecExportDetail.as_view(), name="api-fec-export"),
    path("fec-exports/<int:pk>/file", views.FecExportFile.as_view(), name="api-fec-export-file"),
]
