import datetime

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from api.bounds import OUT_OF_RANGE, date_in_range
from visits.models import Visit


class BoundedIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 moment within the API's date range, handed to the database in UTC (a UTC
    offset beyond ±15:59 is valid ISO 8601 but not to PostgreSQL)."""

    def to_python(self, value):
        try:
            moment = super().to_python(value)
        except OverflowError as error:
            raise forms.ValidationError(OUT_OF_RANGE) from error
        if moment is None:
            return None
        if not date_in_range(moment.date()):
            raise forms.ValidationError(OUT_OF_RANGE)
        return moment.astimezone(datetime.UTC)


class BoundedIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class VisitFilter(django_filters.FilterSet):
    site = django_filters.CharFilter(field_name="site__code", help_text=_("Site code"))
    since = BoundedIsoDateTimeFilter(
        field_name="started_at", lookup_expr="gte", help_text=_("Started at or after (ISO 8601)")
    )
    until = BoundedIsoDateTimeFilter(
        field_name="started_at", lookup_expr="lt", help_text=_("Started before (ISO 8601)")
    )
    updated_since = BoundedIsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text=_("Changed at or after (ISO 8601): for synchronising"),
    )

    class Meta:
        model = Visit
        fields = ["site", "since", "until", "updated_since"]
