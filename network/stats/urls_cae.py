from django.urls import path

from . import views_cae

app_name = "stats-cae"
urlpatterns = [
    path("", views_cae.comparison, name="comparison"),
]
