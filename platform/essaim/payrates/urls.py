from django.urls import path

from . import views

app_name = "payrates"
urlpatterns = [
    path("", views.table_list, name="list"),
    path("charger/", views.table_upload, name="upload"),
    path("<int:pk>/", views.table_detail, name="detail"),
    path("<int:pk>/bareme.json", views.table_json, name="json"),
]
