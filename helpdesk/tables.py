"""The case list and its downloads: the same columns on the page, in CSV and in XLSX. The
description, comments and contact details are never columns: free text and personal data
stay out of lists and files (SPEC §3)."""

from __future__ import annotations

from collections.abc import Iterator

import django_tables2 as tables
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from helpdesk.models import Case
from visits.tables import list_column, local_date_time


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


class CaseTable(tables.Table):
    DETAIL_COLUMNS = ("service", "created_at")

    number = tables.Column(
        verbose_name=_("Number"), order_by=("year", "sequence"), attrs=list_column(_("Number"))
    )
    title = tables.Column(verbose_name=_("Title"), attrs=list_column(_("Title")))
    status = tables.Column(
        verbose_name=_("Status"), order_by=("status", "due_date"), attrs=list_column(_("Status"))
    )
    priority = tables.Column(
        verbose_name=_("Priority"), order_by=("priority", "due_date"),
        attrs=list_column(_("Priority")),
    )  # fmt: skip
    due_date = tables.Column(
        verbose_name=_("Due"), order_by=("due_date", "id"), attrs=list_column(_("Due"))
    )
    assignee = tables.Column(
        verbose_name=_("Assignee"),
        default=_("Nobody yet"),
        order_by=("assignee__first_name", "assignee__username"),
        attrs=list_column(_("Assignee")),
    )
    site = tables.Column(
        verbose_name=_("Site"), order_by=("site__name", "due_date"), attrs=list_column(_("Site"))
    )
    service = tables.Column(
        verbose_name=_("E-service"), orderable=False, attrs=list_column(_("E-service"))
    )
    created_at = tables.Column(
        verbose_name=_("Opened"), order_by=("created_at", "id"), attrs=list_column(_("Opened"))
    )

    class Meta:
        template_name = "includes/paginated_table.html"
        order_by = ("due_date",)
        empty_text = _("No follow-up cases match the filters.")
        attrs = {"class": "case-table table-cards", "aria-labelledby": "case-results-title"}
        row_attrs = {"class": lambda record: "row-overdue" if record.is_overdue else ""}

    def render_number(self, record: Case) -> str:
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record.number)

    def render_status(self, record: Case) -> str:
        return record.get_status_display()

    def render_priority(self, record: Case) -> str:
        return record.get_priority_display()

    def render_due_date(self, record: Case) -> str:
        day = date_format(record.due_date, "Y-m-d")
        if record.is_overdue:
            return format_html('{} <strong class="badge badge-overdue">{}</strong>', day,
                               _("Overdue"))  # fmt: skip
        return day

    def render_assignee(self, value) -> str:
        return _person(value)

    def render_site(self, value) -> str:
        return value.name

    def render_service(self, value) -> str:
        return value.label

    def render_created_at(self, value) -> str:
        return local_date_time(value)

    def value_number(self, record: Case) -> str:
        return record.number

    def value_due_date(self, record: Case) -> str:
        return record.due_date.isoformat()

    @classmethod
    def export_rows(cls, cases) -> Iterator[list[list]]:
        """The header, then every row, as servicecenter.exports takes them; an "Overdue"
        column says in words what the page shows with a badge."""
        cases = list(cases)
        table = cls(cases, order_by=())
        rows = list(table.as_values())
        yield [[*rows[0], str(_("Overdue"))]]
        yield [
            [*values, str(_("Yes") if case.is_overdue else _("No"))]
            for values, case in zip(rows[1:], cases, strict=True)
        ]
