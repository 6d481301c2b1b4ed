"""The case list's filters. Every value in the query string is checked: a status or site that
names nothing is a form error shown on the page, never an empty list."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helpdesk.lifecycle import CASE_ACTIVE_STATUSES, CasePriority, CaseStatus
from helpdesk.models import Case
from helpdesk.querysets import CaseQuerySet
from organisations.models import Site

MINE = "mine"
NOBODY = "nobody"
ASSIGNEE_CHOICES = [(MINE, _("Mine")), (NOBODY, _("Nobody yet"))]


class CaseListFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        help_text=_("Part of the number or the title."),
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"),
        choices=CaseStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: the cases still being worked on."),
        method="with_status",
        error_messages={"invalid_choice": _("Choose among the statuses shown.")},
    )
    assignee = django_filters.ChoiceFilter(
        label=_("Assignee"),
        choices=ASSIGNEE_CHOICES,
        empty_label=_("Anybody"),
        method="assigned",
        error_messages={"invalid_choice": _("Choose an assignee from the list.")},
    )
    priority = django_filters.ChoiceFilter(
        label=_("Priority"),
        choices=CasePriority.choices,
        empty_label=_("All"),
        error_messages={"invalid_choice": _("Choose a priority from the list.")},
    )
    site = django_filters.ModelChoiceFilter(
        label=_("Site"),
        queryset=Site.objects.none(),  # the caller's, set in __init__
        to_field_name="code",
        empty_label=_("All sites"),
        error_messages={"invalid_choice": _("Choose a site from the list.")},
    )
    overdue = django_filters.BooleanFilter(
        label=_("Only overdue cases"),
        widget=forms.CheckboxInput,
        method="only_overdue",
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def __init__(self, data=None, *args, user, **kwargs) -> None:
        super().__init__(data, *args, **kwargs)
        self.user = user
        self.filters["site"].queryset = Site.objects.filter(
            pk__in=self.queryset.values("site")
        ).order_by("name")

    def search(self, queryset: CaseQuerySet, name: str, value: str) -> CaseQuerySet:
        value = value.strip()
        return queryset.filter(Q(number__icontains=value) | Q(title__icontains=value))

    def with_status(self, queryset: CaseQuerySet, name: str, value: list[str]) -> CaseQuerySet:
        return queryset.filter(status__in=value)

    def assigned(self, queryset: CaseQuerySet, name: str, value: str) -> CaseQuerySet:
        if value == MINE:
            return queryset.filter(assignee=self.user)
        return queryset.filter(assignee__isnull=True)

    def only_overdue(self, queryset: CaseQuerySet, name: str, value: bool) -> CaseQuerySet:
        return queryset.overdue() if value else queryset

    def filter_queryset(self, queryset: CaseQuerySet) -> CaseQuerySet:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status__in=CASE_ACTIVE_STATUSES)
        return queryset
