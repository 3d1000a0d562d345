from django.urls import path

from . import views

urlpatterns = [
    path("sites", views.SiteList.as_view(), name="api-sites"),
    path("people", views.PersonList.as_view(), name="api-people"),
    path("people/<int:pk>", views.PersonDetail.as_view(), name="api-person"),
    path("contracts", views.ContractList.as_view(), name="api-contracts"),
]
