from django.contrib import admin

from helpdesk.models import Appointment, Case, CaseComment, ServiceLevel, ServiceQueue


@admin.register(ServiceLevel)
class ServiceLevelAdmin(admin.ModelAdmin):
    list_display = ["priority", "working_days"]


@admin.register(ServiceQueue)
class ServiceQueueAdmin(admin.ModelAdmin):
    """A site's extra queues (B, C, …) and the e-services whose tickets join them."""

    list_display = ["site", "letter", "name"]
    list_filter = ["site"]
    filter_horizontal = ["services"]


class CaseCommentInline(admin.TabularInline):
    model = CaseComment
    extra = 0
    can_delete = False
    readonly_fields = ["author", "text", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # comments are written on the case page, through the workflow


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: cases change through their workflows (helpdesk.services), which keep the
    lifecycle, the number sequence and the audit history."""

    list_display = ["number", "title", "site", "status", "priority", "due_date", "assignee"]
    list_filter = ["status", "priority", "site"]
    search_fields = ["number", "title"]
    list_select_related = ["site", "assignee"]
    inlines = [CaseCommentInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Read-only: bookings change through their workflows (helpdesk.appointment_services),
    which keep one staff member from being booked twice."""

    list_display = ["starts_at", "ends_at", "site", "staff", "status"]
    list_filter = ["status", "site"]
    list_select_related = ["site", "staff"]
    date_hierarchy = "starts_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
