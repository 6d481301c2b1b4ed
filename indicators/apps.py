from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Indicators")

    def ready(self) -> None:
        from indicators.aggregates import register_sqlite_functions

        connection_created.connect(
            register_sqlite_functions, dispatch_uid="indicators.register_sqlite_functions"
        )
