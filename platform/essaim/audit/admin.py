"""The network's own trail (the public schema's rows: resources, setup projects, releases, rate
tables, new CAEs), for network admins. Read-only: an audit trail is never edited."""

from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "action", "target"]
    list_filter = ["action"]
    search_fields = ["action", "target", "system_actor", "actor__email"]
    list_select_related = ["actor"]
    date_hierarchy = "at"
    fields = ["at", "actor", "system_actor", "action", "target", "details"]
    readonly_fields = fields

    @admin.display(description="auteur")
    def actor_label(self, entry: AuditEntry) -> str:
        return entry.actor_label

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
