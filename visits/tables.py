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

    def __init__(self, *args, changeable_ids=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.changeable_ids = changeable_ids

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
        if record.pk not in self.changeable_ids:
            return ""
        # The hidden words tell the links apart when a screen reader lists them; the time is
        # the one the Time column shows, in the site's zone, not the stored UTC.
        return format_html(
            '<a href="{}">{}<span class="visually-hidden"> {}</span></a>',
            reverse("visits:edit", args=[record.pk]),
            _("Edit"),
            _("the visit at %(time)s") % {"time": local_time(record.started_at)},
        )
