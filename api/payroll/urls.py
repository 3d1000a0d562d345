from django.urls import path

from . import views

urlpatterns = [
    path("payroll-runs", views.PayrollRunList.as_view(), name="api-payroll-runs"),
    path("payroll-runs/<int:pk>", views.PayrollRunDetail.as_view(), name="api-payroll-run"),
    path("payroll-runs/<int:pk>/contributions.csv", views.PayrollContributions.as_view(),
         name="api-payroll-contributions"),
]
