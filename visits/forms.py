from __future__ import annotations

import uuid
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from organisations.models import Municipality
from visits.models import (
    AgeBand,
    Barrier,
    Channel,
    EService,
    HelpMode,
    Language,
    Outcome,
    Visit,
)
from visits.records import (
    CONFIDENCE,
    DURATION_MIN,
    PARTICIPANTS,
    Limit,
    plain_values,
    visit_record_errors,
)
from visits.services import HelpItemInput

DEFAULT_DURATION_MIN = 15
EXTRA_HELP_ROWS = 2

# The optional details in the order the page shows them: two columns, the left one read
# first. The template lays them out from this, and the error summary follows the same order.
DETAIL_COLUMNS = (
    (
        "duration_min",
        "started_at",
        "participants",
        "language",
        "interpreter",
        "visitor_municipality",
        "note",
    ),
    ("channel", "gender", "first_visit", "barriers", "confidence_before", "confidence_after"),
)


def _with_limit(message: str, limit: Limit) -> str:
    return message % {"low": limit.low, "high": limit.high}


# A message with a record's limit in it (visits.records), translated when it is shown.
with_limit = lazy(_with_limit, str)

# Every message names its field, so that the error summary at the top of the page says what
# to correct without the generic "This field is required." Django replaces the message of a
# failed check whose code is listed here, the model's validators included. A number out of
# range is told the whole range, whichever end it missed.
DURATION_RANGE = with_limit(_("Enter a duration from %(low)d to %(high)d minutes."), DURATION_MIN)
PARTICIPANTS_RANGE = with_limit(_("Enter from %(low)d to %(high)d participants."), PARTICIPANTS)
VISIT_ERROR_MESSAGES = {
    "started_at": {
        "required": _("Enter when the visit started."),
        "invalid": _("Enter when the visit started as a date and a time."),
    },
    "duration_min": {
        "required": _("Enter how many minutes the visit took."),
        "invalid": DURATION_RANGE,
        "min_value": DURATION_RANGE,
        "max_value": DURATION_RANGE,
    },
    "participants": {
        "required": _("Enter how many people took part."),
        "invalid": PARTICIPANTS_RANGE,
        "min_value": PARTICIPANTS_RANGE,
        "max_value": PARTICIPANTS_RANGE,
    },
    "channel": {
        "required": _("Choose the channel."),
        "invalid_choice": _("Choose one of the channels shown."),
    },
    "age_band": {
        "required": _("Choose an age band."),
        "invalid_choice": _("Choose one of the age bands shown."),
    },
    "gender": {
        "required": _("Choose a gender, or Not stated."),
        "invalid_choice": _("Choose a gender, or Not stated."),
    },
    "language": {
        "required": _("Choose the language of the visit."),
        "invalid_choice": _("Choose a language from the list."),
    },
    "visitor_municipality": {
        "invalid_choice": _("Choose the visitor's home municipality from the list."),
    },
    "barriers": {
        "invalid_choice": _("Choose the barriers shown."),
        "invalid_pk_value": _("Choose the barriers shown."),
    },
    "confidence_before": {
        "invalid_choice": with_limit(
            _("Choose confidence before from %(low)d to %(high)d, or Not asked."), CONFIDENCE
        ),
    },
    "confidence_after": {
        "invalid_choice": with_limit(
            _("Choose confidence after from %(low)d to %(high)d, or Not asked."), CONFIDENCE
        ),
    },
    "note": {
        "max_length": _("Keep the note to at most %(limit_value)d characters."),
    },
}


class FirstVisitWidget(forms.RadioSelect):
    """Yes / no / don't know, where "don't know" is stored as NULL."""

    def format_value(self, value):
        return [{True: "true", False: "false"}.get(value, "unknown")]


# What the ends of the scale mean, shown under both confidence questions.
CONFIDENCE_SCALE = with_limit(_("%(low)d = Very unsure, %(high)d = Very confident"), CONFIDENCE)
CONFIDENCE_CHOICES = [("", _("Not asked"))] + [
    (n, str(n)) for n in range(CONFIDENCE.low, CONFIDENCE.high + 1)
]


class MunicipalitySelect(forms.Select):
    """Each municipality's option carries its SCB code: the tablet's outbox reports a visit
    kept offline through the API, which names municipalities by code."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if hasattr(value, "instance"):
            option["attrs"]["data-code"] = value.instance.code
        return option


class VisitForm(forms.ModelForm):
    first_visit = forms.NullBooleanField(
        label=_("First visit"),
        required=False,
        widget=FirstVisitWidget(
            choices=[("true", _("Yes")), ("false", _("No")), ("unknown", _("Don't know"))]
        ),
    )
    confidence_before = forms.TypedChoiceField(
        label=with_limit(_("Confidence before (%(low)d–%(high)d)"), CONFIDENCE),
        help_text=CONFIDENCE_SCALE,
        required=False,
        coerce=int,
        empty_value=None,
        choices=CONFIDENCE_CHOICES,
        widget=forms.RadioSelect,
    )
    confidence_after = forms.TypedChoiceField(
        label=with_limit(_("Confidence after (%(low)d–%(high)d)"), CONFIDENCE),
        help_text=CONFIDENCE_SCALE,
        required=False,
        coerce=int,
        empty_value=None,
        choices=CONFIDENCE_CHOICES,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Visit
        fields = [
            "started_at",
            "duration_min",
            "participants",
            "channel",
            "age_band",
            "gender",
            "language",
            "interpreter",
            "first_visit",
            "visitor_municipality",
            "barriers",
            "confidence_before",
            "confidence_after",
            "note",
        ]
        widgets = {
            "started_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "duration_min": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "participants": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "channel": forms.RadioSelect,
            "age_band": forms.RadioSelect,
            "gender": forms.RadioSelect,
            "barriers": forms.CheckboxSelectMultiple,
            "visitor_municipality": MunicipalitySelect,
            # Django gives it maxlength from the model field (NOTE_MAX_LENGTH).
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A new Visit already has its UUID, so "unsaved" is told by _state, not by pk.
        visit = None if self.instance._state.adding else self.instance
        # Inactive entries disappear from forms but stay valid on the visits that use them.
        self.fields["channel"].queryset = Channel.objects.for_form(visit and visit.channel_id)
        self.fields["age_band"].queryset = AgeBand.objects.for_form(visit and visit.age_band_id)
        self.fields["language"].queryset = Language.objects.for_form(visit and visit.language_id)
        self.fields["barriers"].queryset = Barrier.objects.active()
        self.fields["visitor_municipality"].queryset = Municipality.objects.order_by("name")
        self.fields["visitor_municipality"].empty_label = _("Unknown")
        self.fields["gender"].choices = Visit.Gender.choices
        # Django's number widget takes its min from the model field (0 for positive
        # integers); the browser should know the record's real bounds.
        for name, limit in (("duration_min", DURATION_MIN), ("participants", PARTICIPANTS)):
            self.fields[name].widget.attrs.update(min=limit.low, max=limit.high)
        for name, messages in VISIT_ERROR_MESSAGES.items():
            self.fields[name].error_messages.update(messages)
        if visit is None:
            self.initial.setdefault(
                "started_at", timezone.localtime().replace(second=0, microsecond=0)
            )
            self.initial.setdefault("duration_min", DEFAULT_DURATION_MIN)
            self.initial.setdefault("channel", "walk_in")
            self.initial.setdefault("language", "sv")
            self.initial.setdefault("gender", Visit.Gender.UNSTATED)

    def _post_clean(self) -> None:
        # In place of the model's full_clean(): the one validation of a visit record
        # (visits.records), over the values the fields cleaned, so that every error shows at
        # once. full_clean() would check the same rules by asking the database, once per
        # foreign key and per check constraint, on every save at the counter; the workflow
        # checks the record again before it writes. _update_errors words them by the
        # fields' error_messages, as it does the model's.
        errors = visit_record_errors(plain_values(self.cleaned_data))
        if errors:
            self._update_errors(ValidationError(errors))

    def detail_columns(self) -> list[list[forms.BoundField]]:
        return [[self[name] for name in column] for column in DETAIL_COLUMNS]

    def visit_fields(self) -> dict:
        """Cleaned values as keyword arguments for visit_log / visit_update."""
        return {name: value for name, value in self.cleaned_data.items() if name != "barriers"}

    def add_service_errors(self, error: ValidationError) -> None:
        """Put a workflow's ValidationError on the fields it names."""
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)


class VisitIdForm(forms.Form):
    """The id the quick log chose for the visit it is about to save, fresh with every empty
    form: the same save sent twice (an answer lost, a retry from the tablet's outbox) is the
    same visit, not two."""

    visit_id = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def chosen(self) -> uuid.UUID | None:
        # A malformed id is none: the server chooses one, as for a page without it.
        return self.cleaned_data["visit_id"] if self.is_valid() else None


class HelpItemForm(forms.Form):
    """One help item. A row left without service and help mode is simply not used."""

    service = forms.ModelChoiceField(
        label=_("E-service"),
        queryset=EService.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose an e-service from the list.")},
    )
    mode = forms.ModelChoiceField(
        label=_("Help mode"),
        queryset=HelpMode.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of the help modes shown.")},
    )
    outcome = forms.ModelChoiceField(
        label=_("Outcome"),
        queryset=Outcome.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of the outcomes shown.")},
    )

    def __init__(self, *args, current: HelpItemInput | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = EService.objects.for_form(
            current and current.service
        ).with_provider()
        self.fields["mode"].queryset = HelpMode.objects.for_form(current and current.mode)
        self.fields["outcome"].queryset = Outcome.objects.for_form(current and current.outcome)
        self.initial.setdefault("outcome", "resolved")

    def clean(self):
        cleaned = super().clean()
        used = cleaned.get("service") or cleaned.get("mode")
        if used:
            if not cleaned.get("service"):
                self.add_error("service", _("Choose the e-service."))
            if not cleaned.get("mode"):
                self.add_error("mode", _("Choose how the visitor was helped."))
            if not cleaned.get("outcome"):
                self.add_error("outcome", _("Choose the outcome."))
        return cleaned

    def help_item(self) -> HelpItemInput | None:
        data = self.cleaned_data
        if not (data.get("service") and data.get("mode") and data.get("outcome")):
            return None
        return HelpItemInput(service=data["service"], mode=data["mode"], outcome=data["outcome"])


def help_item_forms(*, data=None, current: list[HelpItemInput] | None = None) -> list[HelpItemForm]:
    current = current or []
    rows = max(1 + EXTRA_HELP_ROWS, len(current) + 1)
    forms_ = []
    for index in range(rows):
        item = current[index] if index < len(current) else None
        initial = (
            {"service": item.service, "mode": item.mode, "outcome": item.outcome} if item else None
        )
        forms_.append(
            HelpItemForm(data=data, prefix=f"help-{index}", initial=initial, current=item)
        )
    return forms_


def collect_help_items(forms_: list[HelpItemForm]) -> list[HelpItemInput] | None:
    """The help items entered, or None (with an error on the first row) when there are none."""
    if not all(form.is_valid() for form in forms_):
        return None
    items = [item for form in forms_ if (item := form.help_item()) is not None]
    if not items:
        forms_[0].add_error("service", _("Choose the e-service the visitor was helped with."))
        forms_[0].add_error("mode", _("Choose how the visitor was helped."))
        return None
    return items


@dataclass(frozen=True)
class SummaryError:
    """One line of the error summary: the message, and the id of what it links to."""

    message: str
    anchor: str = ""


def _help_anchor(field: forms.BoundField, *, search_group: bool) -> str:
    if search_group and field.name == "service":
        return "service-group"  # the quick log's e-service buttons and search
    if field.widget_type == "radioselect":
        return f"{field.html_name}-group"
    return field.auto_id


def error_summary(
    form: VisitForm, help_forms: list[HelpItemForm], *, quick_log: bool
) -> list[SummaryError]:
    """Every error of a refused visit, in the order of the fields on the page.

    The quick log shows the first help item at the top, then the age band, then the details
    and the further help items; the edit page shows all help items, then the age band and the
    details."""
    errors = [SummaryError(str(message)) for message in form.non_field_errors()]
    for help_form in help_forms:
        errors += [SummaryError(str(message)) for message in help_form.non_field_errors()]

    def visit_field(name: str) -> list[SummaryError]:
        return [SummaryError(str(message), f"{name}-anchor") for message in form[name].errors]

    def help_item(index: int) -> list[SummaryError]:
        help_form = help_forms[index]
        apart = quick_log and index == 0  # shown on its own, not as "Help item 1"
        lines = []
        for field in help_form:
            for message in field.errors:
                if not apart:
                    message = _("Help item %(number)s: %(message)s") % {
                        "number": index + 1,
                        "message": message,
                    }
                lines.append(SummaryError(str(message), _help_anchor(field, search_group=apart)))
        return lines

    first_help_items = [0] if quick_log else range(len(help_forms))
    for index in first_help_items:
        errors += help_item(index)
    errors += visit_field("age_band")
    for column in DETAIL_COLUMNS:
        for name in column:
            errors += visit_field(name)
    if quick_log:
        for index in range(1, len(help_forms)):
            errors += help_item(index)
    return errors
