"""The visit list's filters (issue 9): which visits a manager or an analyst sees, and exports.

Every value in the query string is checked: a code that names nothing (`?site=nowhere`,
`?mode=xyz`) or an impossible period is a form error shown on the page, never an empty list.
"""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.access import Action, sites_for
from visits.forms import SummaryError
from visits.models import (
    AgeBand,
    Barrier,
    Channel,
    EService,
    HelpMode,
    Outcome,
    Provider,
    Visit,
)
from visits.querysets import VisitQuerySet

# A period may end up to a year ahead, no further; nor start before the service centres kept
# any records.
MAX_DAYS_AHEAD = 365
EARLIEST_DAY = datetime.date(2000, 1, 1)

FIRST_VISIT_CHOICES = [("true", _("Yes")), ("false", _("No")), ("unknown", _("Don't know"))]
FIRST_VISIT_VALUES = {"true": True, "false": False, "unknown": None}

# The filters that pick help items: a visit matches when one of its help items matches all of
# them (BankID taught, not BankID in one help item and "taught" in another).
HELP_ITEM_FILTERS = ("service", "provider", "mode", "outcome")
# Shown under "More filters", opened when one of them is set.
MORE_FILTERS = ("provider", "outcome", "channel", "age_band", "gender", "first_visit", "barrier")


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The current month up to today."""
    today = today or timezone.localdate()
    return today.replace(day=1), today


def viewable_sites(request):
    return sites_for(request.user, Action.VIEW)


def service_choices() -> list:
    """Every e-service, inactive ones too (old visits use them), grouped by provider."""
    groups: dict[str, list] = {}
    for service in EService.objects.with_provider().order_by(
        "provider__sort_order", "provider__code", "sort_order", "code"
    ):
        groups.setdefault(service.provider.label, []).append((service.code, service.label))
    return list(groups.items())


class VisitListFilterForm(forms.Form):
    """Checks the period as a whole: from the year 2000 on, the last day on or after the
    first and at most a year ahead (the same rules and words as the statistics' period)."""

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from"), cleaned.get("to")
        for name, day in (("from", start), ("to", end)):
            if day is not None and day < EARLIEST_DAY:
                self.add_error(name, _("Choose a day from the year 2000 on."))
        if self.errors or start is None or end is None:
            return cleaned
        if end < start:
            self.add_error("to", _("The last day must not be before the first day."))
        elif end > timezone.localdate() + datetime.timedelta(days=MAX_DAYS_AHEAD):
            self.add_error("to", _("The period may not end more than a year ahead."))
        return cleaned


def _date_filter(label, required_message) -> django_filters.DateFilter:
    return django_filters.DateFilter(
        field_name="started_at",
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": required_message,
            "invalid": _("Enter the date as year, month and day, for example 2026-06-19."),
        },
        required=True,
    )


class VisitListFilter(django_filters.FilterSet):
    site = django_filters.ModelChoiceFilter(
        label=_("Site"),
        queryset=viewable_sites,
        to_field_name="code",
        empty_label=_("All sites"),
        error_messages={"invalid_choice": _("Choose a site from the list.")},
    )
    service = django_filters.MultipleChoiceFilter(
        label=_("E-services"),
        help_text=_("Choose one or more; hold Ctrl (Cmd on a Mac) to choose several."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
        error_messages={"invalid_choice": _("Choose e-services from the list.")},
    )
    mode = django_filters.ModelMultipleChoiceFilter(
        label=_("Help mode"),
        queryset=HelpMode.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Choose among the help modes shown."),
            "invalid_pk_value": _("Choose among the help modes shown."),
        },
    )
    provider = django_filters.ModelChoiceFilter(
        label=_("Provider"),
        queryset=Provider.objects.all(),
        empty_label=_("All providers"),
        error_messages={"invalid_choice": _("Choose a provider from the list.")},
    )
    outcome = django_filters.ModelChoiceFilter(
        label=_("Outcome"),
        queryset=Outcome.objects.all(),
        empty_label=_("All outcomes"),
        error_messages={"invalid_choice": _("Choose one of the outcomes shown.")},
    )
    channel = django_filters.ModelChoiceFilter(
        label=_("Channel"),
        queryset=Channel.objects.all(),
        empty_label=_("All channels"),
        error_messages={"invalid_choice": _("Choose one of the channels shown.")},
    )
    age_band = django_filters.ModelChoiceFilter(
        label=_("Age band"),
        queryset=AgeBand.objects.all(),
        empty_label=_("All age bands"),
        error_messages={"invalid_choice": _("Choose one of the age bands shown.")},
    )
    gender = django_filters.ChoiceFilter(
        label=_("Gender"),
        choices=Visit.Gender.choices,
        empty_label=_("All"),
        error_messages={"invalid_choice": _("Choose a gender from the list.")},
    )
    first_visit = django_filters.ChoiceFilter(
        label=_("First visit"),
        choices=FIRST_VISIT_CHOICES,
        empty_label=_("All"),
        error_messages={"invalid_choice": _("Choose yes, no or don't know.")},
    )
    barrier = django_filters.ModelMultipleChoiceFilter(
        label=_("Barriers"),
        queryset=Barrier.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Choose the barriers shown."),
            "invalid_pk_value": _("Choose the barriers shown."),
        },
    )

    class Meta:
        model = Visit
        fields: list[str] = []
        form = VisitListFilterForm

    def __init__(self, data=None, *args, **kwargs):
        # An empty or missing period is the default one, and the form shows it.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        first_day, last_day = default_period()
        if not data.get("from"):
            data["from"] = first_day.isoformat()
        if not data.get("to"):
            data["to"] = last_day.isoformat()
        super().__init__(data, *args, **kwargs)
        # Choices read once per request, in the active language.
        self.filters["service"].extra["choices"] = service_choices()

    def filter_queryset(self, queryset: VisitQuerySet) -> VisitQuerySet:
        data = self.form.cleaned_data
        queryset = queryset.started_between(data["from"], data["to"])
        if data.get("site"):
            queryset = queryset.filter(site=data["site"])
        queryset = queryset.with_help_item(
            services=data.get("service") or (),
            provider=data.get("provider"),
            modes=data.get("mode") or (),
            outcome=data.get("outcome"),
        )
        for name in ("channel", "age_band", "gender"):
            if data.get(name):
                queryset = queryset.filter(**{name: data[name]})
        if data.get("first_visit"):
            queryset = queryset.filter(first_visit=FIRST_VISIT_VALUES[data["first_visit"]])
        return queryset.with_barrier(data.get("barrier") or ())

    @property
    def period(self) -> tuple[datetime.date, datetime.date]:
        """The period shown (call after is_valid())."""
        return self.form.cleaned_data["from"], self.form.cleaned_data["to"]

    def more_filters_used(self) -> bool:
        """Whether "More filters" should start open: one of them is set or refused."""
        form = self.form
        return any(form[name].value() not in (None, "", []) for name in MORE_FILTERS) or any(
            name in form.errors for name in MORE_FILTERS
        )

    def error_summary(self) -> list[SummaryError]:
        """Every refused value, in the order of the fields on the page, each linking to its
        field (a group of checkboxes by its fieldset)."""
        form = self.form
        errors = [SummaryError(str(message)) for message in form.non_field_errors()]
        for name in ("from", "to", "site", "service", "mode", *MORE_FILTERS):
            field = form[name]
            anchor = (
                f"{field.html_name}-group"
                if field.widget_type == "checkboxselectmultiple"
                else field.auto_id
            )
            errors += [
                SummaryError(f"{field.label}: {message}", anchor) for message in field.errors
            ]
        return errors


# The period's query parameters are "from" and "to"; "from" is a Python keyword, so these two
# are added here rather than declared as class attributes. They come first on the form.
VisitListFilter.base_filters = {
    "from": _date_filter(_("From"), _("Enter the first day.")),
    "to": _date_filter(_("To"), _("Enter the last day.")),
    **VisitListFilter.base_filters,
}
