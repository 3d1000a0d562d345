from django.urls import path

from . import documents, expenses, quotes, views

urlpatterns = [
    path("invoices", views.InvoiceList.as_view(), name="api-invoices"),
    path("invoices/<int:pk>", views.InvoiceDetail.as_view(), name="api-invoice"),
    path("invoices/<int:pk>/pdf", documents.InvoicePdf.as_view(), name="api-invoice-pdf"),
    path("invoices/<int:pk>/xml", documents.InvoiceXml.as_view(), name="api-invoice-xml"),
    path("quotes", quotes.QuoteList.as_view(), name="api-quotes"),
    path("quotes/<int:pk>", quotes.QuoteDetail.as_view(), name="api-quote"),
    path("customers", views.CustomerList.as_view(), name="api-customers"),
    path("payments", views.PaymentList.as_view(), name="api-payments"),
    path("expense-claims", expenses.ExpenseClaimList.as_view(), name="api-expense-claims"),
    path("expense-claims/<int:pk>", expenses.ExpenseClaimDetail.as_view(), name="api-expense-claim"),
]
