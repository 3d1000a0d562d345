from django.urls import path

from . import views

app_name = "einvoicing"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("tester/", views.test_connection, name="test"),
    path("flux/<int:pk>/", views.flow_detail, name="flow"),
    path("flux/<int:pk>/fichier", views.flow_file, name="flow-file"),
    path("archive", views.month_archive, name="archive"),
]
