from django.contrib import admin

from .models import Cooperative, Domain


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Cooperative)
class CooperativeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "region", "contribution_rate", "active_from", "schema_name"]
    list_filter = ["kind", "sector", "region"]
    search_fields = ["name", "legal_name", "slug", "siren"]
    readonly_fields = ["schema_name", "created_at"]
    inlines = [DomainInline]

    def has_add_permission(self, request):
        # Creating a CAE provisions a schema: done by `manage.py create_cooperative` or onboarding.
        return False

    def has_delete_permission(self, request, obj=None):
        return False
