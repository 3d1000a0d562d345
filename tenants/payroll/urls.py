from django.urls import path

from . import views

app_name = "payroll"
urlpatterns = [
    path("", views.run_list, name="runs"),
    path("<int:pk>/", views.run_detail, name="run"),
    path("<int:pk>/action/", views.run_action, name="run-action"),
    path("<int:pk>/cotisations/", views.contributions, name="contributions"),
    path("lignes/<int:pk>/", views.line_detail, name="line"),
    path("bulletins/<int:pk>/pdf/", views.payslip_pdf, name="payslip-pdf"),
    path("mes-bulletins/", views.my_payslips, name="my-payslips"),
    path("recapitulatif/", views.summary, name="my-summary"),
    path("recapitulatif/<int:person_pk>/", views.summary, name="summary"),
    path("taux-pas/", views.withholding, name="withholding"),
    path("reglages/", views.payroll_settings, name="settings"),
    path("simulateur/", views.simulator, name="my-simulator"),
    path("simulateur/<int:person_pk>/", views.simulator, name="simulator"),
]
