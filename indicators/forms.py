from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.dimensions import DIMENSIONS, KeyedDimension, VisitFieldDimension
from indicators.engine import GroupByError, dimensions_of
from indicators.periods import Period, PeriodKind
from organisations.models import Site

# The same bounds as the API's statistics: long enough for year-on-year comparisons,
# short enough to bound one page's work.
MAX_DAYS = 366 * 5
# No statistics exist ahead of today; a little ahead is allowed so that "this year" works.
MAX_YEARS_AHEAD = 1


class PeriodForm(forms.Form):
    """The dashboard's period: a calendar week, month, quarter or year around a day, or a
    chosen span of days."""

    period = forms.ChoiceField(
        label=gettext_lazy("Period"),
        required=False,
    )
    date = forms.DateField(
        label=gettext_lazy("Around the day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Translated when the form is made, in the language of the request.
        self.fields["period"].choices = [(kind.value, kind.label) for kind in PeriodKind]

    def add_prefix(self, field_name: str) -> str:
        # The query string names them `from` and `to`, like the API.
        return {"date_from": "from", "date_to": "to"}.get(field_name, field_name)

    def clean(self) -> dict:
        cleaned = super().clean()
        today = timezone.localdate()
        latest = today.replace(year=today.year + MAX_YEARS_AHEAD)
        kind = PeriodKind(cleaned.get("period") or PeriodKind.MONTH)
        if kind == PeriodKind.CUSTOM:
            date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
            if date_from is None and "date_from" not in self.errors:
                self.add_error("date_from", _("Enter the first day."))
            if date_to is None and "date_to" not in self.errors:
                self.add_error("date_to", _("Enter the last day."))
            if date_from is None or date_to is None:
                return cleaned
            if date_to < date_from:
                self.add_error("date_to", _("The last day must not be before the first day."))
            elif (date_to - date_from).days + 1 > MAX_DAYS:
                self.add_error("date_to", _("The period may be at most five years."))
            elif date_to > latest:
                self.add_error("date_to", _("The period may not end more than a year ahead."))
            else:
                cleaned["chosen"] = Period(kind, date_from, date_to)
            return cleaned
        day = cleaned.get("date") or today
        if day > latest:
            self.add_error("date", _("The period may not end more than a year ahead."))
        elif day < datetime.date(2000, 1, 1):
            self.add_error("date", _("Choose a day from the year 2000 on."))
        else:
            cleaned["chosen"] = Period.containing(kind, day)
        return cleaned

    @property
    def chosen(self) -> Period:
        return self.cleaned_data["chosen"]


# The breakdowns a table offers as rows: every public dimension.
ROW_CHOICES = [code for code, dimension in DIMENSIONS.items() if dimension.public]


def _slice_field(dimension: KeyedDimension) -> forms.Field | None:
    """A filter on one key of a keyed dimension, with the keys of its code list."""
    label = dimension.label
    if isinstance(dimension, VisitFieldDimension) and dimension.choices is not None:
        choices = [("", _("All")), *dimension.choices.choices]
        return forms.ChoiceField(label=label, choices=choices, required=False)
    if dimension.code_list is None:
        return None
    return forms.ModelChoiceField(
        label=label,
        queryset=dimension.code_list.objects.all(),
        required=False,
        empty_label=_("All"),
    )


class BreakdownForm(PeriodForm):
    """A table's period, its rows (one dimension) and at most one filter: a site of the
    scope, or one key of a keyed dimension (an e-service, a help mode, an age band, …).

    The statistics are kept per one keyed dimension, so the rows and the filter together
    may hold at most one keyed dimension; a combination that breaks this is a form error
    with the engine's own explanation."""

    rows = forms.ChoiceField(label=gettext_lazy("Rows"), required=False)

    def __init__(self, *args, sites: list[Site], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rows"].choices = [(code, DIMENSIONS[code].label) for code in ROW_CHOICES]
        self.fields["site"] = forms.ChoiceField(
            label=DIMENSIONS["site"].label,
            choices=[("", _("All")), *((site.code, site.name) for site in sites)],
            required=False,
        )
        for code, dimension in DIMENSIONS.items():
            if dimension.public and isinstance(dimension, KeyedDimension):
                field = _slice_field(dimension)
                if field is not None:
                    self.fields[code] = field
        self.slice_codes = [
            code
            for code in self.fields
            if code not in ("period", "date", "date_from", "date_to", "rows")
        ]

    def slice_fields(self) -> list[forms.BoundField]:
        return [self[code] for code in self.slice_codes]

    def clean(self) -> dict:
        cleaned = super().clean()
        rows = cleaned.get("rows") or "site"
        cleaned["rows"] = rows
        chosen = [code for code in self.slice_codes if cleaned.get(code)]
        if len(chosen) > 1:
            raise forms.ValidationError(
                _("Filter by one thing at a time: statistics are kept per one breakdown.")
            )
        if chosen and chosen[0] == rows:
            self.add_error(chosen[0], _("Choose a filter other than the rows."))
            return cleaned
        group_by = (rows, chosen[0]) if chosen else rows
        try:
            dimensions_of(group_by)
        except GroupByError as error:
            raise forms.ValidationError(str(error)) from error
        cleaned["group_by"] = group_by
        if chosen:
            value = cleaned[chosen[0]]
            cleaned["slice_key"] = str(getattr(value, "pk", value))
        return cleaned
