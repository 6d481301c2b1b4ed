from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from indicators.rollups import rollup_add, rollup_subtract
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
    StaffingException,
    StaffingPattern,
    Visit,
)
from visits.records import HELP_ITEMS, plain_values, visit_record_errors


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


class VisitAdminForm(forms.ModelForm):
    """The admin writes visits directly rather than through visits.services, so its form runs
    the rules of a visit record itself (visits.records). A field that breaks one is left out of
    the model's own validation after it, so no message is given twice."""

    def clean(self):
        cleaned = super().clean()
        values = plain_values(cleaned)
        if "barriers" in cleaned:
            values["barriers"] = [barrier.pk for barrier in cleaned["barriers"]]
        for field, errors in visit_record_errors(values).items():
            self.add_error(field, errors)
        return cleaned


class HelpItemFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return  # the rows' own errors first
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        help_items = [(row["service"].pk, row["mode"].pk, row["outcome"].pk) for row in kept]
        errors = visit_record_errors({"help": help_items})
        if errors:
            raise ValidationError(errors["help"])


class HelpItemInline(admin.TabularInline):
    model = HelpItem
    formset = HelpItemFormSet
    extra = 0
    # As many rows as a visit may have help items: one to start with, and no more than allowed.
    min_num = HELP_ITEMS.low
    max_num = HELP_ITEMS.high


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["started_at", "site", "duration_min", "participants", "channel", "source"]
    list_filter = ["source", "channel", "site"]
    list_select_related = ["site", "channel"]
    date_hierarchy = "started_at"
    form = VisitAdminForm
    inlines = [HelpItemInline]
    raw_id_fields = ["staff", "created_by", "updated_by"]
    readonly_fields = ["created_at", "updated_at"]

    # The admin writes visits directly rather than through visits.services, so it keeps the
    # rollups itself, in the admin's transaction: a changed visit leaves them with what it
    # counted for before the form was saved, and rejoins them once its help items are saved.
    def save_model(self, request, obj, form, change):
        if change:
            rollup_subtract(visit_ids=[obj.pk])
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        rollup_add(visit_ids=[form.instance.pk])

    def delete_model(self, request, obj):
        rollup_subtract(visit_ids=[obj.pk])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        rollup_subtract(visit_ids=list(queryset.values_list("pk", flat=True)))
        super().delete_queryset(request, queryset)


@admin.register(StaffedHours)
class StaffedHoursAdmin(admin.ModelAdmin):
    list_display = ["date", "site", "open_hours", "staff_hours"]
    list_filter = ["site"]
    list_select_related = ["site"]
    date_hierarchy = "date"


class StaffingReadOnlyAdmin(admin.ModelAdmin):
    """Shown, not edited: a change must rewrite the site's StaffedHours, which the staffing
    page does through visits.services (an administrator may use that page for any site)."""

    list_select_related = ["site"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StaffingPattern)
class StaffingPatternAdmin(StaffingReadOnlyAdmin):
    list_display = ["site", "weekday", "opens", "closes", "staff_on_duty"]
    list_filter = ["site"]


@admin.register(StaffingException)
class StaffingExceptionAdmin(StaffingReadOnlyAdmin):
    list_display = ["date", "site", "closed", "opens", "closes", "staff_on_duty", "note"]
    list_filter = ["site", "closed"]
    date_hierarchy = "date"
