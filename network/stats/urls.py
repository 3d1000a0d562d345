from django.urls import path

from . import views

app_name = "stats"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("versions/", views.release_list, name="releases"),
    path("versions/nouvelle/", views.release_new, name="release-new"),
    path("collecte/", views.collect_now, name="collect"),
    path("versions/<int:release_id>/", views.release_detail, name="release"),
    path("versions/<int:release_id>/publier/", views.release_publish_view, name="release-publish"),
    path("versions/<int:release_id>/<slug:code>/", views.table_detail, name="table"),
    path("versions/<int:release_id>/<slug:code>.csv", views.table_csv, name="table-csv"),
    path("versions/<int:release_id>/<slug:code>.xlsx", views.table_xlsx, name="table-xlsx"),
]
