from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from api.models import ApiKey
from api.services import api_key_create, api_key_revoke


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "prefix",
        "name",
        "organisation",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["organisation"]
    list_select_related = ["organisation"]
    search_fields = ["prefix", "name", "organisation__name"]
    fields = [
        "organisation",
        "name",
        "expires_at",
        "prefix",
        "created_at",
        "revoked_at",
        "last_used_at",
    ]
    readonly_fields = ["prefix", "created_at", "revoked_at", "last_used_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        api_key, key = api_key_create(
            organisation=obj.organisation, name=obj.name, expires_at=obj.expires_at
        )
        obj.pk = api_key.pk
        obj.prefix = api_key.prefix
        messages.warning(
            request,
            _("The new key is %(key)s — copy it now: it is not shown again.") % {"key": key},
        )

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
