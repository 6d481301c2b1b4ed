import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from visits.models import Visit


def labelled(label) -> dict:
    """Cell attributes that repeat the column's label: on a narrow screen each row becomes a
    card, the header row is hidden, and the stylesheet shows this label beside each value."""
    return {"td": {"data-label": label}}


def local_time(value) -> str:
    """Hours and minutes in the site's time zone (Europe/Stockholm), the time people read."""
    return timezone.localtime(value).strftime("%H:%M") if value else ""


class TodayVisitTable(tables.Table):
    started_at = tables.DateTimeColumn(
        verbose_name=_("Time"), format="H:i", attrs=labelled(_("Time"))
    )
    duration_min = tables.Column(verbose_name=_("Minutes"), attrs=labelled(_("Minutes")))
    help = tables.Column(
        verbose_name=_("Help items"),
        empty_values=(),
        orderable=False,
        attrs=labelled(_("Help items")),
    )
    age_band = tables.Column(verbose_name=_("Age band"), attrs=labelled(_("Age band")))
    participants = tables.Column(verbose_name=_("Participants"), attrs=labelled(_("Participants")))
    channel = tables.Column(verbose_name=_("Channel"), attrs=labelled(_("Channel")))
    created_by = tables.Column(verbose_name=_("Logged by"), attrs=labelled(_("Logged by")))
    actions = tables.Column(
        verbose_name=_("Actions"),
        empty_values=(),
        orderable=False,
        attrs=labelled(_("Actions")),
    )

    class Meta:
        model = Visit
        fields = ["started_at", "duration_min", "help", "age_band", "participants", "channel"]
        sequence = [
            "started_at",
            "duration_min",
            "help",
            "age_band",
            "participants",
            "channel",
            "created_by",
            "actions",
        ]
        orderable = False
        empty_text = _("No visits logged today yet.")
        attrs = {"class": "visit-table"}

    def __init__(self, *args, changeable_ids=frozenset(), follow_up_token: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.changeable_ids = changeable_ids
        # The CSRF token of the "Follow up" buttons, set where the user may open cases.
        self.follow_up_token = follow_up_token

    def render_help(self, record: Visit) -> str:
        return format_html_join(
            "",
            '<div class="help-item">{} · {} · {}</div>',
            (
                (item.service.label, item.mode.label, item.outcome.label)
                for item in record.help_items.all()
            ),
        )

    def render_created_by(self, value) -> str:
        return value.first_name or value.get_username()

    def render_actions(self, record: Visit) -> str:
        # The hidden words tell the links apart when a screen reader lists them; the time is
        # the one the Time column shows, in the site's zone, not the stored UTC.
        which = _("the visit at %(time)s") % {"time": local_time(record.started_at)}
        edit = follow_up = ""
        if record.pk in self.changeable_ids:
            edit = format_html(
                '<a href="{}">{}<span class="visually-hidden"> {}</span></a>',
                reverse("visits:edit", args=[record.pk]),
                _("Edit"),
                which,
            )
        if self.follow_up_token:
            # One tap opens a follow-up case about the visit (helpdesk's case pages).
            follow_up = format_html(
                '<form method="post" action="{}" class="inline-form">'
                '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
                '<button type="submit" class="link-button">{}'
                '<span class="visually-hidden"> {}</span></button></form>',
                reverse("cases:new_from_visit", args=[record.pk]),
                self.follow_up_token,
                _("Follow up"),
                which,
            )
        return format_html('<div class="visit-actions">{}{}</div>', edit, follow_up)


def local_date_time(value) -> str:
    """Date, hours and minutes in the site's time zone (Europe/Stockholm)."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def aria_sort(bound_column) -> str | None:
    """Tells screen readers which column the list is sorted by, and which way."""
    if not bound_column.is_ordered:
        return None
    return "descending" if bound_column.order_by_alias.is_descending else "ascending"


def list_column(label) -> dict:
    """Attributes for a visit list column: the card label on narrow screens, and the sort
    state on the header."""
    return {"td": {"data-label": label}, "th": {"scope": "col", "aria-sort": aria_sort}}


def _distinct_labels(entries) -> list[str]:
    """Labels in the order the help items give them, each once."""
    return list(dict.fromkeys(entry.label for entry in entries))


class VisitListTable(tables.Table):
    """The visit list for managers and analysts, and its exports: one row per visit, the same
    columns on the page, in CSV and in XLSX (values from the value_* methods). The note is
    never a column: free text stays out of lists and exports (SPEC §3)."""

    started_at = tables.Column(
        verbose_name=_("Date and time"),
        order_by=("started_at", "id"),
        attrs=list_column(_("Date and time")),
    )
    site = tables.Column(
        verbose_name=_("Site"), order_by=("site__name", "-started_at"), attrs=list_column(_("Site"))
    )
    services = tables.Column(
        verbose_name=_("E-services"),
        accessor="help_items",
        empty_values=(),
        orderable=False,
        attrs=list_column(_("E-services")),
    )
    modes = tables.Column(
        verbose_name=_("Help modes"),
        accessor="help_items",
        empty_values=(),
        orderable=False,
        attrs=list_column(_("Help modes")),
    )
    outcomes = tables.Column(
        verbose_name=_("Outcomes"),
        accessor="help_items",
        empty_values=(),
        orderable=False,
        attrs=list_column(_("Outcomes")),
    )
    duration_min = tables.Column(
        verbose_name=_("Duration (min)"),
        order_by=("duration_min", "-started_at"),
        attrs=list_column(_("Duration (min)")),
    )
    participants = tables.Column(
        verbose_name=_("Participants"),
        order_by=("participants", "-started_at"),
        attrs=list_column(_("Participants")),
    )
    channel = tables.Column(
        verbose_name=_("Channel"), orderable=False, attrs=list_column(_("Channel"))
    )
    age_band = tables.Column(
        verbose_name=_("Age band"), orderable=False, attrs=list_column(_("Age band"))
    )

    class Meta:
        template_name = "includes/paginated_table.html"
        order_by = ("-started_at",)
        empty_text = _("No visits in this period.")
        # Named by the heading above it, which says the period.
        attrs = {"class": "visit-list-table table-cards", "aria-labelledby": "visit-results-title"}

    @staticmethod
    def _help(record: Visit, part: str) -> list[str]:
        return _distinct_labels(getattr(item, part) for item in record.help_items.all())

    def render_started_at(self, value) -> str:
        return local_date_time(value)

    def render_site(self, value) -> str:
        return value.name

    def render_services(self, record: Visit) -> str:
        return format_html_join(
            "", "<div>{}</div>", ((label,) for label in self._help(record, "service"))
        )

    def render_modes(self, record: Visit) -> str:
        return format_html_join(
            "", "<div>{}</div>", ((label,) for label in self._help(record, "mode"))
        )

    def render_outcomes(self, record: Visit) -> str:
        return format_html_join(
            "", "<div>{}</div>", ((label,) for label in self._help(record, "outcome"))
        )

    def render_channel(self, value) -> str:
        return value.label

    def render_age_band(self, value) -> str:
        return value.label

    # Exports: plain text, lists joined with a comma, numbers as numbers.
    def value_started_at(self, value) -> str:
        return local_date_time(value)

    def value_services(self, record: Visit) -> str:
        return ", ".join(self._help(record, "service"))

    def value_modes(self, record: Visit) -> str:
        return ", ".join(self._help(record, "mode"))

    def value_outcomes(self, record: Visit) -> str:
        return ", ".join(self._help(record, "outcome"))

    @classmethod
    def export_rows(cls, visits, *, chunk_size: int):
        """The header, then the rows of `visits` chunk by chunk: a list of rows per chunk of
        `chunk_size` visits read from the database with .iterator(), each chunk in the same
        number of queries (the visits, and their help items), so memory stays flat however
        many visits there are."""
        yield [next(cls(Visit.objects.none(), order_by=()).as_values())]
        chunk: list[Visit] = []
        for visit in visits.iterator(chunk_size=chunk_size):
            chunk.append(visit)
            if len(chunk) == chunk_size:
                yield cls._values(chunk)
                chunk = []
        if chunk:
            yield cls._values(chunk)

    @classmethod
    def _values(cls, visits: list[Visit]) -> list[list]:
        # Already in the order asked for: the table must not sort the chunk again.
        rows = cls(visits, order_by=()).as_values()
        next(rows)  # the header, given once
        return list(rows)
