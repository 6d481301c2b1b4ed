from django.contrib import admin

from indicators.services import rollup_mark_visits_stale
from visits.models import (
    AgeBand,
    Barrier,
    Channel,
    EService,
    HelpItem,
    HelpMode,
    Language,
    Outcome,
    Provider,
    StaffedHours,
    Visit,
)


class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ["code", "label_sv", "label_en", "is_active", "sort_order"]
    list_editable = ["is_active", "sort_order"]
    list_filter = ["is_active"]
    search_fields = ["code", "label_sv", "label_en"]

    def get_readonly_fields(self, request, obj=None):
        # The code is stored on every visit and used by API clients: it never changes.
        return ["code"] if obj is not None else []


for model in (Provider, HelpMode, Outcome, Barrier, Channel, AgeBand, Language):
    admin.site.register(model, TaxonomyAdmin)


@admin.register(EService)
class EServiceAdmin(TaxonomyAdmin):
    list_display = ["code", "label_sv", "label_en", "provider", "is_active", "sort_order"]
    list_filter = ["is_active", "provider"]
    list_select_related = ["provider"]
    search_fields = ["code", "label_sv", "label_en", "keywords"]


class HelpItemInline(admin.TabularInline):
    model = HelpItem
    extra = 0


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["started_at", "site", "duration_min", "participants", "channel", "source"]
    list_filter = ["source", "channel", "site"]
    list_select_related = ["site", "channel"]
    date_hierarchy = "started_at"
    inlines = [HelpItemInline]
    raw_id_fields = ["staff", "created_by", "updated_by"]
    readonly_fields = ["created_at", "updated_at"]

    # The admin writes visits directly rather than through visits.services, so it marks the
    # statistics of the days it touches as stale itself (in the admin's transaction).
    def save_model(self, request, obj, form, change):
        if change:
            rollup_mark_visits_stale(Visit.objects.filter(pk=obj.pk))
        super().save_model(request, obj, form, change)
        rollup_mark_visits_stale([obj])

    def delete_model(self, request, obj):
        rollup_mark_visits_stale([obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        rollup_mark_visits_stale(queryset.only("site_id", "started_at"))
        super().delete_queryset(request, queryset)


@admin.register(StaffedHours)
class StaffedHoursAdmin(admin.ModelAdmin):
    list_display = ["date", "site", "open_hours", "staff_hours"]
    list_filter = ["site"]
    list_select_related = ["site"]
    date_hierarchy = "date"
