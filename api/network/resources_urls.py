from django.urls import path

from . import resources, resources_groups

urlpatterns = [
    path("resources", resources.ResourceSearch.as_view(), name="api-network-resources"),
    path("resources/<int:pk>", resources.ResourceDetail.as_view(), name="api-network-resource"),
    path("resources/<int:pk>/download", resources.ResourceDownload.as_view(), name="api-network-resource-download"),
    path("resources/<int:pk>/versions/<int:number>/download", resources.ResourceVersionDownload.as_view(),
         name="api-network-resource-version-download"),
    path("groups", resources_groups.GroupList.as_view(), name="api-network-groups"),
    path("groups/<int:pk>", resources_groups.GroupDetail.as_view(), name="api-network-group"),
    path("groups/<int:pk>/meetings", resources_groups.GroupMeetings.as_view(), name="api-network-group-meetings"),
]
