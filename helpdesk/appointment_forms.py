"""The bookings pages' forms. They collect values and show errors; what a booking may hold is
decided once, by the model's validators and helpdesk.appointment_services, whose
ValidationError the views put back on these forms (helpdesk.forms.add_service_errors: the
workflows name `staff`, `starts_at`, `ends_at`, `purpose` and `contact_consent`, the fields
here)."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpdesk.appointment_services import SLOT_MINUTES, bookable_staff
from helpdesk.forms import AssigneeChoiceField, CaseForm, service_choices
from helpdesk.models import APPOINTMENT_PURPOSE_MAX_LENGTH, Appointment
from helpdesk.services import ContactDetails
from organisations.models import Site
from visits.models import EService


class SlotForm(forms.Form):
    """Who and when: a staff member of the site, a day, a start and an end."""

    staff = AssigneeChoiceField(
        label=_("Counter staff"),
        queryset=None,
        empty_label=None,
        error_messages={
            "required": _("Choose who the visitor is booked with."),
            "invalid_choice": _("Choose one of the counter staff shown."),
        },
    )
    day = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date", "class": "text"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Enter the date."),
            "invalid": _("Enter the date as year-month-day, for example 2026-03-16."),
        },
    )
    starts_at = forms.TimeField(
        label=_("Starts"),
        widget=forms.TimeInput(attrs={"type": "time", "class": "text"}, format="%H:%M"),
        error_messages={
            "required": _("Enter when the booking starts."),
            "invalid": _("Enter the time as hours and minutes, for example 10:30."),
        },
    )
    ends_at = forms.TimeField(
        label=_("Ends"),
        widget=forms.TimeInput(attrs={"type": "time", "class": "text"}, format="%H:%M"),
        error_messages={
            "required": _("Enter when the booking ends."),
            "invalid": _("Enter the time as hours and minutes, for example 11:00."),
        },
    )

    def __init__(self, *args, site: Site, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = bookable_staff(site)

    def slot(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The start and the end as moments in the site's time zone."""
        data = self.cleaned_data
        return tuple(
            timezone.make_aware(datetime.datetime.combine(data["day"], data[name]))
            for name in ("starts_at", "ends_at")
        )

    @staticmethod
    def initial_for_slot(
        day: datetime.date, start: datetime.time | None = None, staff: str = ""
    ) -> dict:
        """A free time offered on the bookings page, SLOT_MINUTES long."""
        initial: dict = {"day": day, "staff": staff}
        if start is not None:
            ends = datetime.datetime.combine(day, start) + datetime.timedelta(minutes=SLOT_MINUTES)
            initial.update(starts_at=start, ends_at=ends.time())
        return initial


class AppointmentForm(SlotForm):
    service = forms.ChoiceField(label=_("E-service"), required=False)
    purpose = forms.CharField(
        label=_("What the visitor needs help with"),
        max_length=APPOINTMENT_PURPOSE_MAX_LENGTH,
        required=False,
        help_text=_("A few words. No names or personal identity numbers."),
    )
    contact_consent = forms.BooleanField(
        label=_(
            "The visitor agrees that we keep their contact details until a while after the booking"
        ),
        required=False,
    )
    # The same fields as a case's contact details.
    contact_name = CaseForm.base_fields["contact_name"]
    contact_phone = CaseForm.base_fields["contact_phone"]
    contact_email = CaseForm.base_fields["contact_email"]

    def __init__(self, *args, site: Site, **kwargs) -> None:
        super().__init__(*args, site=site, **kwargs)
        choices = service_choices()
        self.fields["service"].choices = [("", _("No e-service chosen")), *choices[1:]]
        # The app's style covers text inputs (input.text); an e-mail input needs the class.
        self.fields["contact_email"].widget.attrs["class"] = "text"

    def clean_service(self) -> EService | None:
        code = self.cleaned_data["service"]
        if not code:
            return None
        try:
            return EService.objects.get(pk=code)
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

    def booking_fields(self) -> dict:
        """The values appointment_book takes, apart from the site and who books."""
        starts_at, ends_at = self.slot()
        data = self.cleaned_data
        return {
            "staff": data["staff"],
            "starts_at": starts_at,
            "ends_at": ends_at,
            "service": data["service"],
            "purpose": data["purpose"],
            "contact": self.contact,
        }


class MoveForm(SlotForm):
    """Another time, or another staff member, for a booking."""

    @classmethod
    def initial_for(cls, appointment: Appointment) -> dict:
        starts, ends = (timezone.localtime(appointment.starts_at),
                        timezone.localtime(appointment.ends_at))  # fmt: skip
        return {
            "staff": appointment.staff_id,
            "day": starts.date(),
            "starts_at": starts.time().replace(second=0, microsecond=0),
            "ends_at": ends.time().replace(second=0, microsecond=0),
        }
