from django.urls import path

from . import views

app_name = "activity"
urlpatterns = [
    path("factures/", views.invoice_list, name="invoices"),
    path("factures/nouvelle/", views.invoice_create, name="invoice-create"),
    path("factures/<int:pk>/", views.invoice_detail, name="invoice"),
    path("factures/<int:pk>/action/", views.invoice_action, name="invoice-action"),
    path("factures/<int:pk>/pdf/", views.invoice_pdf, name="invoice-pdf"),
    path("clients/", views.customer_list, name="customers"),
    path("creances/", views.receivables, name="receivables"),
    path("notes-de-frais/", views.expense_list, name="expenses"),
    path("notes-de-frais/<int:pk>/action/", views.expense_action, name="expense-action"),
    path("justificatifs/<int:pk>/", views.receipt_download, name="receipt"),
    path("compte/", views.account, name="my-account"),
    path("compte/<int:person_pk>/", views.account, name="account"),
]
