from django.contrib import admin

from audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "content_type", "object_id", "actor"]
    list_filter = ["action", "content_type"]
    list_select_related = ["content_type", "actor"]
    readonly_fields = ["content_type", "object_id", "action", "actor", "at", "changes"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
