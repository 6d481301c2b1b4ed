import django_filters
from django.utils.translation import gettext_lazy as _

from visits.models import Visit


class VisitFilter(django_filters.FilterSet):
    site = django_filters.CharFilter(field_name="site__code", help_text=_("Site code"))
    since = django_filters.IsoDateTimeFilter(
        field_name="started_at", lookup_expr="gte", help_text=_("Started at or after (ISO 8601)")
    )
    until = django_filters.IsoDateTimeFilter(
        field_name="started_at", lookup_expr="lt", help_text=_("Started before (ISO 8601)")
    )
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text=_("Changed at or after (ISO 8601): for synchronising"),
    )

    class Meta:
        model = Visit
        fields = ["site", "since", "until", "updated_since"]
