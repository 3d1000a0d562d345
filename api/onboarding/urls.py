from django.urls import path

from . import views

urlpatterns = [
    path("setup-projects", views.SetupProjectList.as_view(), name="api-setup-projects"),
    path("setup-projects/<int:pk>", views.SetupProjectDetail.as_view(), name="api-setup-project"),
]
