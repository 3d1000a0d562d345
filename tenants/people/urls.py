from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("parcours/", views.board, name="board"),
    path("nouvelle/", views.person_create, name="create"),
    path("moi/", views.me, name="me"),
    path("import/", views.person_import, name="import"),
    path("sites/", views.site_list, name="sites"),
    path("reglages/", views.people_settings, name="settings"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/etape/", views.person_record_event, name="record-event"),
    path("<int:pk>/export.json", views.person_export_view, name="export"),
]
