"""The case pages' forms. They collect values and show errors; what a case may hold is
decided once, by the model's validators and helpdesk.services, whose ValidationError the
views put back on these forms (add_service_errors)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.access import Action, users_for_site
from helpdesk.lifecycle import CasePriority
from helpdesk.models import (
    CASE_CONTACT_NAME_MAX_LENGTH,
    CASE_TEXT_MAX_LENGTH,
    CASE_TITLE_MAX_LENGTH,
    Case,
)
from helpdesk.services import ContactDetails
from organisations.models import Site
from visits.models import EService, Provider


class AssigneeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.get_username()


def service_choices(current: EService | None = None) -> list:
    """Active e-services (and the case's own, if it has become inactive), by provider."""
    groups: dict[str, list] = {}
    for service in (
        EService.objects.for_form(current)
        .with_provider()
        .order_by("provider__sort_order", "provider__code", "sort_order", "code")
    ):
        groups.setdefault(service.provider.label, []).append((service.code, service.label))
    return [("", _("Choose an e-service")), *groups.items()]


class CaseForm(forms.Form):
    service = forms.ChoiceField(
        label=_("E-service"), error_messages={"required": _("Choose the e-service.")}
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=CASE_TITLE_MAX_LENGTH,
        help_text=_("What the visitor needs, in a few words. No names or personal data."),
        error_messages={"required": _("Write a title.")},
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=CASE_TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What has been done and what remains. No personal identity numbers."),
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=CasePriority.choices,
        initial=CasePriority.NORMAL,
        widget=forms.RadioSelect,
    )
    assignee = AssigneeChoiceField(
        label=_("Assignee"), queryset=None, required=False, empty_label=_("Nobody yet")
    )
    referral_agency = forms.ModelChoiceField(
        label=_("Referred to"),
        queryset=None,
        required=False,
        empty_label=_("Not referred"),
        help_text=_("The agency or provider the visitor was sent on to, if any."),
    )
    contact_consent = forms.BooleanField(
        label=_("The visitor agrees that we keep their contact details until the case is closed"),
        required=False,
    )
    contact_name = forms.CharField(
        label=_("Name"), max_length=CASE_CONTACT_NAME_MAX_LENGTH, required=False
    )
    contact_phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    contact_email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        error_messages={"invalid": _("Enter an e-mail address such as namn@example.se.")},
    )

    def __init__(self, *args, site: Site, case: Case | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = service_choices(case.service if case else None)
        self.fields["assignee"].queryset = users_for_site(site, Action.LOG).order_by(
            "first_name", "username"
        )
        self.fields["referral_agency"].queryset = Provider.objects.for_form(
            case.referral_agency_id if case else None
        )

    def clean_service(self) -> EService:
        try:
            return EService.objects.get(pk=self.cleaned_data["service"])
        except EService.DoesNotExist:
            raise ValidationError(_("Choose the e-service."), code="invalid_choice") from None

    @property
    def contact(self) -> ContactDetails:
        data = self.cleaned_data
        return ContactDetails(
            consent=data.get("contact_consent", False),
            name=data.get("contact_name", ""),
            phone=data.get("contact_phone", ""),
            email=data.get("contact_email", ""),
        )

    @property
    def case_fields(self) -> dict:
        """The values helpdesk.services takes, apart from the contact details."""
        data = self.cleaned_data
        return {
            name: data[name]
            for name in ("service", "title", "description", "priority", "assignee",
                         "referral_agency")
        }  # fmt: skip

    @classmethod
    def initial_for(cls, case: Case) -> dict:
        return {
            "service": case.service_id,
            "title": case.title,
            "description": case.description,
            "priority": case.priority,
            "assignee": case.assignee_id,
            "referral_agency": case.referral_agency_id,
            "contact_consent": case.contact_consent_at is not None,
            "contact_name": case.contact_name,
            "contact_phone": case.contact_phone,
            "contact_email": case.contact_email,
        }


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("New comment"),
        max_length=CASE_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Internal: only staff see comments. No personal data."),
        error_messages={"required": _("Write a comment.")},
    )


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """A workflow's refusal on the form: on the field it names, else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)
