from django.urls import path

from . import views

app_name = "support"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("reunions/<int:pk>/", views.infosession_detail, name="infosession"),
    path("ateliers/nouveau/", views.workshop_create, name="workshop-create"),
    path("ateliers/<int:pk>/", views.workshop_detail, name="workshop"),
    path("ateliers/<int:pk>/action/", views.workshop_action, name="workshop-action"),
    path("ateliers/<int:pk>/emargement.pdf", views.workshop_sheet, name="workshop-sheet"),
    path("personnes/<int:person_pk>/entretien/", views.meeting_create, name="meeting-create"),
]
