from django.urls import path

from . import views

urlpatterns = [
    path("invoices", views.InvoiceList.as_view(), name="api-invoices"),
    path("invoices/<int:pk>", views.InvoiceDetail.as_view(), name="api-invoice"),
    path("customers", views.CustomerList.as_view(), name="api-customers"),
    path("payments", views.PaymentList.as_view(), name="api-payments"),
]
