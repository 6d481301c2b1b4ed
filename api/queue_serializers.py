"""The waiting queue in JSON (SPEC §5): check a visitor in, call the next one to a desk.
A ticket holds no personal data: its number, queue, status, desk and times."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.case_serializers import CodeRelatedField
from helpdesk.lifecycle import TicketStatus
from helpdesk.models import DESK_MAX_LENGTH, TICKET_LETTERS, QueueTicket
from visits.models import EService


class TicketSerializer(serializers.ModelSerializer):
    site = serializers.SlugRelatedField(slug_field="code", read_only=True)
    service = serializers.CharField(source="service_id", read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=TicketStatus.choices, read_only=True)

    class Meta:
        model = QueueTicket
        fields = [
            "number",
            "site",
            "letter",
            "service",
            "status",
            "desk",
            "issued_at",
            "called_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class IssuedTicketSerializer(TicketSerializer):
    """A ticket just issued, with how many wait before it and about how long."""

    ahead = serializers.IntegerField(read_only=True, help_text=_("Visitors before this one."))
    estimated_wait_min = serializers.IntegerField(
        read_only=True, help_text=_("Whole minutes, rounded up; 0 when nobody is ahead.")
    )

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "ahead", "estimated_wait_min"]
        read_only_fields = fields


class CheckInSerializer(serializers.Serializer):
    service = CodeRelatedField(
        slug_field="code",
        queryset=EService.objects.active(),
        required=False,
        allow_null=True,
        help_text=_("The e-service the visitor needs help with; picks the queue where the "
                    "site keeps several."),
    )  # fmt: skip
    letter = serializers.ChoiceField(
        choices=TICKET_LETTERS,
        required=False,
        help_text=_("The queue to join; the e-service's queue, or A, when left out."),
    )


class CallNextSerializer(serializers.Serializer):
    desk = serializers.CharField(max_length=DESK_MAX_LENGTH, help_text=_("For example 2."))
    letter = serializers.ChoiceField(
        choices=TICKET_LETTERS,
        required=False,
        help_text=_("Call from this queue only; from any when left out."),
    )
