from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Regional API")

    def ready(self) -> None:
        from api.codes import CODE_LIST_MODELS, code_lists_changed

        for model in CODE_LIST_MODELS:
            post_save.connect(code_lists_changed, sender=model, dispatch_uid=f"codes-{model}")
            post_delete.connect(code_lists_changed, sender=model, dispatch_uid=f"codes-del-{model}")
