from django.contrib import admin

from .models import Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["cooperative"]


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "first_name", "last_name", "network_role", "is_active"]
    list_filter = ["network_role", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    exclude = ["password", "groups", "user_permissions", "last_login"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "cooperative", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__email", "cooperative__name"]
    autocomplete_fields = ["user", "cooperative"]
