from django.urls import path

from . import stats

urlpatterns = [
    path("releases", stats.ReleaseList.as_view(), name="api-network-stats-releases"),
    path("releases/<int:pk>/tables/<slug:code>", stats.TableDetail.as_view(), name="api-network-stats-table"),
]
