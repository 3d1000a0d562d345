from django.urls import path

from . import entries, views

urlpatterns = [
    path("ledger-entries", entries.EntryList.as_view(), name="api-ledger-entries"),
    path("ledger-entries/<int:pk>", entries.EntryDetail.as_view(), name="api-ledger-entry"),
    path("trial-balance", views.TrialBalance.as_view(), name="api-trial-balance"),
    path("fec-exports", views.FecExports.as_view(), name="api-fec-exports"),
    path("fec-exports/<int:pk>", views.FecExportDetail.as_view(), name="api-fec-export"),
    path("fec-exports/<int:pk>/file", views.FecExportFile.as_view(), name="api-fec-export-file"),
]
