"""Follow-up cases in JSON (SPEC §5): a partner refers a visitor to a service centre and
reads back the cases it may see. Contact details go in and never come out: the partner
that sent them has no need of them back, and nobody else may read them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.serializers import NOT_PLAIN_TEXT
from helpdesk.lifecycle import CasePriority, CaseStatus
from helpdesk.models import (
    CASE_CONTACT_NAME_MAX_LENGTH,
    CASE_TEXT_MAX_LENGTH,
    CASE_TITLE_MAX_LENGTH,
    Case,
)
from helpdesk.services import ContactDetails
from organisations.models import Site
from visits.models import EService

# The workflow's field names where the API names them otherwise.
API_FIELD_NAMES = {"contact_consent": "contact"}


class CodeRelatedField(serializers.SlugRelatedField):
    """An object named by its code. A code no text field may hold (a NUL character, which
    PostgreSQL refuses in any query) names nothing, like any other unknown code."""

    def to_internal_value(self, data):
        if isinstance(data, str) and NOT_PLAIN_TEXT.search(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return super().to_internal_value(data)


class CaseSerializer(serializers.ModelSerializer):
    site = serializers.SlugRelatedField(slug_field="code", read_only=True)
    service = serializers.CharField(source="service_id", read_only=True)
    referral_agency = serializers.CharField(
        source="referral_agency_id", read_only=True, allow_null=True
    )
    referred_by = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=CaseStatus.choices, read_only=True)
    priority = serializers.ChoiceField(choices=CasePriority.choices, read_only=True)

    class Meta:
        model = Case
        fields = [
            "number",
            "site",
            "service",
            "title",
            "description",
            "status",
            "priority",
            "due_date",
            "referral_agency",
            "referred_by",
            "created_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
        ]
        read_only_fields = fields


class ContactSerializer(serializers.Serializer):
    consent = serializers.BooleanField(
        help_text=_("The visitor agreed that the centre keeps these details until the case "
                    "is closed. Without it, leave name, phone and e-mail out.")
    )  # fmt: skip
    name = serializers.CharField(
        max_length=CASE_CONTACT_NAME_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")


class CaseReferralSerializer(serializers.Serializer):
    site = CodeRelatedField(
        slug_field="code",
        queryset=Site.objects.none(),  # the sites the caller may refer to, from the view
        help_text=_("The code of the service centre the visitor is referred to."),
    )
    service = CodeRelatedField(
        slug_field="code",
        queryset=EService.objects.active(),
        help_text=_("The e-service the visitor needs help with (a code from /taxonomy/)."),
    )
    title = serializers.CharField(max_length=CASE_TITLE_MAX_LENGTH)
    description = serializers.CharField(
        max_length=CASE_TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    priority = serializers.ChoiceField(choices=CasePriority.choices, default=CasePriority.NORMAL)
    contact = ContactSerializer(required=False)

    def __init__(self, *args, referable_sites=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if referable_sites is not None:
            self.fields["site"].queryset = referable_sites

    @property
    def workflow_values(self) -> dict:
        """What helpdesk.services.case_create takes, from the validated data."""
        data = dict(self.validated_data)
        contact = data.pop("contact", None)
        data["contact"] = ContactDetails(**contact) if contact else ContactDetails()
        return data


def api_field_errors(message_dict: dict[str, list[str]]) -> dict[str, list[str]]:
    """A workflow's field errors under the names the API uses."""
    return {API_FIELD_NAMES.get(name, name): messages for name, messages in message_dict.items()}
