import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from visits.models import Visit


class TodayVisitTable(tables.Table):
    started_at = tables.DateTimeColumn(verbose_name=_("Time"), format="H:i")
    duration_min = tables.Column(verbose_name=_("Minutes"))
    help = tables.Column(verbose_name=_("Help"), empty_values=(), orderable=False)
    age_band = tables.Column(verbose_name=_("Age"))
    participants = tables.Column(verbose_name=_("People"))
    channel = tables.Column(verbose_name=_("Channel"))
    created_by = tables.Column(verbose_name=_("Logged by"))
    actions = tables.Column(verbose_name=_("Actions"), empty_values=(), orderable=False)

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
            "<div>{} · {} · {}</div>",
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
        return format_html(
            '<a href="{}">{}<span class="visually-hidden"> {}</span></a>',
            reverse("visits:edit", args=[record.pk]),
            _("Edit"),
            record.started_at.strftime("%H:%M") if record.started_at else "",
        )
