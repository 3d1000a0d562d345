from django.urls import path

from . import views

app_name = "purchases"
urlpatterns = [
    path("", views.invoice_list, name="invoices"),
    path("<int:pk>/", views.invoice_detail, name="invoice"),
    path("<int:pk>/fichier", views.invoice_file, name="invoice-file"),
    path("<int:pk>/attribuer/", views.invoice_assign_view, name="invoice-assign"),
    path("<int:pk>/decision/", views.invoice_decide_view, name="invoice-decide"),
    path("codes/", views.routing_codes, name="codes"),
]
