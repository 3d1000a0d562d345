from django.urls import path

from . import views, views_ereporting, views_quotes, views_rates, views_settings

app_name = "activity"
urlpatterns = [
    path("factures/", views.invoice_list, name="invoices"),
    path("e-reporting/", views_ereporting.ereporting_page, name="ereporting"),
    path("e-reporting/action/", views_ereporting.ereporting_action, name="ereporting-action"),
    path("factures/nouvelle/", views.invoice_create, name="invoice-create"),
    path("factures/<int:pk>/", views.invoice_detail, name="invoice"),
    path("factures/<int:pk>/modifier/", views.invoice_edit, name="invoice-edit"),
    path("factures/<int:pk>/avoir/", views.credit_note_new, name="credit-note-new"),
    path("factures/<int:pk>/action/", views.invoice_action, name="invoice-action"),
    path("factures/<int:pk>/pdf/", views.invoice_pdf, name="invoice-pdf"),
    path("factures/<int:pk>/xml/", views.invoice_xml, name="invoice-xml"),
    path("devis/", views_quotes.quote_list, name="quotes"),
    path("devis/nouveau/", views_quotes.quote_create, name="quote-create"),
    path("devis/<int:pk>/", views_quotes.quote_detail, name="quote"),
    path("devis/<int:pk>/modifier/", views_quotes.quote_edit, name="quote-edit"),
    path("devis/<int:pk>/action/", views_quotes.quote_action, name="quote-action"),
    path("devis/<int:pk>/pdf/", views_quotes.quote_pdf, name="quote-pdf"),
    path("taux-de-contribution/", views_rates.contribution_rates, name="contribution-rates"),
    path("reglages/", views_settings.activity_settings, name="settings"),
    path("clients/", views.customer_list, name="customers"),
    path("creances/", views.receivables, name="receivables"),
    path("notes-de-frais/", views.expense_list, name="expenses"),
    path("notes-de-frais/<int:pk>/action/", views.expense_action, name="expense-action"),
    path("justificatifs/<int:pk>/", views.receipt_download, name="receipt"),
    path("compte/", views.account, name="my-account"),
    path("compte/<int:person_pk>/", views.account, name="account"),
]
