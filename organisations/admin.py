from django.contrib import admin

from organisations.models import Membership, Municipality, Organisation, Region, Site


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "population", "population_date"]
    list_filter = ["region"]
    list_select_related = ["region"]
    search_fields = ["code", "name"]


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0
    fields = ["code", "name", "kind", "municipality", "case_prefix", "is_active"]
    autocomplete_fields = ["municipality"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "region"]
    list_filter = ["kind", "region"]
    list_select_related = ["region"]
    search_fields = ["code", "name"]
    inlines = [SiteInline]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "organisation", "municipality", "is_active"]
    list_filter = ["kind", "is_active", "organisation"]
    list_select_related = ["organisation", "municipality"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["municipality", "organisation"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "organisation", "site"]
    list_filter = ["role", "organisation"]
    list_select_related = ["user", "organisation", "site"]
    search_fields = ["user__username", "organisation__name", "site__name"]
    autocomplete_fields = ["user", "organisation", "site"]
