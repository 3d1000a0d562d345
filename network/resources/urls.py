from django.urls import path

from . import views, views_groups

app_name = "resources"

urlpatterns = [
    path("ressources/", views.library, name="library"),
    path("ressources/proposer/", views.propose, name="propose"),
    path("ressources/a-relire/", views.review, name="review"),
    path("ressources/telechargements/", views.download_stats, name="downloads"),
    path("ressources/<int:pk>/", views.detail, name="detail"),
    path("ressources/<int:pk>/telecharger/", views.download, name="download"),
    path("ressources/<int:pk>/versions/<int:number>/telecharger/", views.download_version, name="download-version"),
    path("ressources/<int:pk>/versions/", views.version_add, name="version-add"),
    path("ressources/<int:pk>/publier/", views.publish, name="publish"),
    path("ressources/<int:pk>/refuser/", views.reject, name="reject"),
    path("ressources/<int:pk>/installer/", views.install, name="install"),
    path("ressources/<int:pk>/groupe/", views.working_group_set, name="working-group"),
    path("groupes/", views_groups.group_list, name="groups"),
    path("groupes/nouveau/", views_groups.group_create, name="group-create"),
    path("groupes/<int:pk>/", views_groups.group_detail, name="group"),
    path("groupes/<int:pk>/membres/", views_groups.group_members, name="group-members"),
    path("groupes/<int:pk>/partager/", views_groups.group_share, name="group-share"),
    path("groupes/<int:pk>/rencontres/", views_groups.meeting_create, name="meeting-create"),
    path("groupes/<int:pk>/rencontres/<int:meeting>/", views_groups.meeting_detail, name="meeting"),
]
