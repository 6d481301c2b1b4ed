from django.contrib import admin

from accounts.models import FailedLogin


@admin.register(FailedLogin)
class FailedLoginAdmin(admin.ModelAdmin):
    list_display = ["username", "at"]
    search_fields = ["username"]
    readonly_fields = ["username", "at"]
