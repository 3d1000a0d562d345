from django.urls import path, register_converter

from . import views
from .selectors import SECTIONS


class SectionConverter:
    """Only the catalogue's four lists: any other word is not a URL of this app."""

    regex = "|".join(SECTIONS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(SectionConverter, "catalogue_section")

app_name = "catalogue"
urlpatterns = [
    path("", views.index, name="index"),
    path("reglages/", views.settings_page, name="settings"),
    path("documents/<int:pk>/", views.document_detail, name="document"),
    path("documents/<int:pk>/telecharger/", views.document_download, name="document-download"),
    path("<catalogue_section:section>/", views.item_list, name="list"),
    path("<catalogue_section:section>/nouveau/", views.item_create, name="create"),
    path("<catalogue_section:section>/<int:pk>/modifier/", views.item_edit, name="edit"),
    path("<catalogue_section:section>/<int:pk>/supprimer/", views.item_delete, name="delete"),
]
