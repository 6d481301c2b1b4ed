"""The rules of a visit record, written once.

A visit reaches the database by four roads: the counter's form, the API one visit at a time,
the API in bulk, and the admin. Each road words its errors for its own audience, but the
limits and the checks are these. The model's field validators and check constraints, the
form's widgets and messages and the serializer's fields (and with them the OpenAPI schema)
read the limits below; `visit_record_errors` is what the services run before they save
anything, what the admin's form runs, and what the API's bulk fast path runs on the values of
the JSON it was sent.

Nothing here imports the models: the models take their limits and choices from here.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypedDict, cast

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicecenter.personal_data import validate_no_personal_data


@dataclass(frozen=True)
class Limit:
    """An inclusive range of whole numbers: of a value, or of how many entries a list has."""

    low: int
    high: int

    @property
    def validators(self) -> list[MinValueValidator | MaxValueValidator]:
        # Django's own validators, so that the model answers as it always has and a form can
        # give its own wording by their codes ("min_value", "max_value").
        return [MinValueValidator(self.low), MaxValueValidator(self.high)]


DURATION_MIN = Limit(1, 600)
PARTICIPANTS = Limit(1, 500)  # more than one for a group session
CONFIDENCE = Limit(1, 5)  # how sure the visitor felt, before and after
HELP_ITEMS = Limit(1, 20)  # help items in one visit
BARRIERS = Limit(0, 8)
NOTE_MAX_LENGTH = 500
# A tablet's clock may run a little ahead of the server's.
CLOCK_SKEW = datetime.timedelta(minutes=5)


class Gender(models.TextChoices):
    """The genders a record may state: Visit.Gender, declared here with the other rules."""

    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    OTHER = "other", pgettext_lazy("gender", "Other")
    UNSTATED = "unstated", _("Not stated")


# Beyond its length, what a note may not hold: personal data (SPEC §3). A tuple: fields copy
# their validators into a list of their own, and no one may add to everyone's.
NOTE_VALIDATORS = (validate_no_personal_data,)

IN_THE_FUTURE = _("A visit cannot start in the future.")
NO_HELP_ITEMS = _("Add at least one e-service the visitor was helped with.")
TOO_MANY_HELP_ITEMS = _("Add at most %(limit_value)d e-services to one visit.")
TOO_MANY_BARRIERS = _("Choose at most %(limit_value)d barriers.")
UNKNOWN_CODE = _("Unknown code “%(code)s”.")
# Django's wording for a value outside a model field's choices.
NOT_A_CHOICE = _("Value %(value)r is not a valid choice.")


class KnownCodes(Protocol):
    """The codes of the taxonomies a record may use (api.codes.CodeLists is one)."""

    services: Collection[str]
    modes: Collection[str]
    outcomes: Collection[str]
    barriers: Collection[str]
    channels: Collection[str]
    age_bands: Collection[str]
    languages: Collection[str]


class RecordValues(TypedDict, total=False):
    """A visit record's values as plain Python, taxonomy entries as codes. Only the values
    present are checked: an update sends what it changes."""

    started_at: datetime.datetime
    duration_min: int
    participants: int
    channel: str
    age_band: str
    gender: str
    language: str
    barriers: Sequence[str]  # as sent: a code twice counts twice
    confidence_before: int | None
    confidence_after: int | None
    help: Sequence[tuple[str, str, str]]  # (service, mode, outcome)
    note: str


RecordErrors = dict[str, list[ValidationError]]

# The record's fields that are Visit fields with plain values: what a form's cleaned data or
# a workflow's arguments hold as they are (taxonomy entries there are model instances).
PLAIN_FIELDS = (
    "started_at",
    "duration_min",
    "participants",
    "gender",
    "confidence_before",
    "confidence_after",
    "note",
)


def plain_values(fields: Mapping[str, Any]) -> RecordValues:
    """The values of PLAIN_FIELDS among a Visit's fields, as the rules take them."""
    return cast(RecordValues, {name: fields[name] for name in PLAIN_FIELDS if name in fields})


class _Context:
    """What a rule knows besides the value: the code lists, if any, and the latest start.
    A plain class, not a frozen dataclass: the bulk fast path makes one per visit, and a frozen
    dataclass costs more to build than all the range checks together."""

    __slots__ = ("codes", "latest_start")

    def __init__(self, codes: KnownCodes | None, now: datetime.datetime | None) -> None:
        self.codes = codes
        self.latest_start = (now or timezone.now()) + CLOCK_SKEW


Rule = Callable[[Any, _Context], None]


def _refuse_outside(limit: Limit, value: int) -> None:
    for validator in limit.validators:
        validator(value)  # raises with Django's wording and code


def _in_limit(limit: Limit) -> Rule:
    low, high = limit.low, limit.high

    def rule(value: int, _context: _Context) -> None:
        if not low <= value <= high:
            _refuse_outside(limit, value)

    return rule


def _none_or_in_limit(limit: Limit) -> Rule:
    low, high = limit.low, limit.high

    def rule(value: int | None, _context: _Context) -> None:
        if value is not None and not low <= value <= high:
            _refuse_outside(limit, value)

    return rule


def _unknown(code: str) -> ValidationError:
    return ValidationError(UNKNOWN_CODE, code="unknown", params={"code": code})


def _code_of(taxonomy: str) -> Rule:
    def rule(value: str, context: _Context) -> None:
        if context.codes is not None and value not in getattr(context.codes, taxonomy):
            raise _unknown(value)

    return rule


def _started_at(value: datetime.datetime, context: _Context) -> None:
    if value > context.latest_start:
        raise ValidationError(IN_THE_FUTURE, code="future")


_GENDERS = frozenset(Gender.values)


def _gender(value: str, _context: _Context) -> None:
    if value not in _GENDERS:
        raise ValidationError(NOT_A_CHOICE, code="invalid_choice", params={"value": value})


def _barriers(value: Sequence[str], context: _Context) -> None:
    if len(value) > BARRIERS.high:
        raise ValidationError(
            TOO_MANY_BARRIERS, code="max_length", params={"limit_value": BARRIERS.high}
        )
    if context.codes is not None:
        known = context.codes.barriers
        for code in value:
            if code not in known:
                raise _unknown(code)


def _help(value: Sequence[tuple[str, str, str]], context: _Context) -> None:
    if len(value) < HELP_ITEMS.low:
        raise ValidationError(NO_HELP_ITEMS, code="min_length")
    if len(value) > HELP_ITEMS.high:
        raise ValidationError(
            TOO_MANY_HELP_ITEMS, code="max_length", params={"limit_value": HELP_ITEMS.high}
        )
    codes = context.codes
    if codes is not None:
        services, modes, outcomes = codes.services, codes.modes, codes.outcomes
        for service, mode, outcome in value:
            if service not in services:
                raise _unknown(service)
            if mode not in modes:
                raise _unknown(mode)
            if outcome not in outcomes:
                raise _unknown(outcome)


_NOTE_LENGTH = MaxLengthValidator(NOTE_MAX_LENGTH)


def _note(value: str, _context: _Context) -> None:
    if not value:
        return  # most visits have no note
    # Every finding at once, as a model's full_clean gives them: too long and personal data.
    # Django's length validator builds its message's parameters on every call: ask it only
    # when it will refuse.
    too_long = len(value) > NOTE_MAX_LENGTH
    errors: list[ValidationError] = []
    for validator in (_NOTE_LENGTH, *NOTE_VALIDATORS) if too_long else NOTE_VALIDATORS:
        try:
            validator(value)
        except ValidationError as error:
            errors.extend(error.error_list)
    if errors:
        raise ValidationError(errors)


_RULES: dict[str, Rule] = {
    "started_at": _started_at,
    "duration_min": _in_limit(DURATION_MIN),
    "participants": _in_limit(PARTICIPANTS),
    "channel": _code_of("channels"),
    "age_band": _code_of("age_bands"),
    "gender": _gender,
    "language": _code_of("languages"),
    "barriers": _barriers,
    "confidence_before": _none_or_in_limit(CONFIDENCE),
    "confidence_after": _none_or_in_limit(CONFIDENCE),
    "help": _help,
    "note": _note,
}


def visit_record_errors(
    values: RecordValues,
    *,
    codes: KnownCodes | None = None,
    now: datetime.datetime | None = None,
) -> RecordErrors:
    """The errors of a visit record's values by field; empty if there are none.

    Codes are checked against `codes` when given. Without them, the caller holds taxonomy
    entries that exist (model instances), or the database's foreign keys refuse the rest.
    `now` is the moment against which "in the future" is judged (default: this one)."""
    context = _Context(codes, now)
    errors: RecordErrors = {}
    for name, value in values.items():
        try:
            _RULES[name](value, context)
        except ValidationError as error:
            errors[name] = error.error_list
    return errors


def check_visit_record(
    values: RecordValues,
    *,
    codes: KnownCodes | None = None,
    now: datetime.datetime | None = None,
) -> None:
    """Raise a ValidationError naming every field whose value breaks a rule."""
    errors = visit_record_errors(values, codes=codes, now=now)
    if errors:
        raise ValidationError(errors)


def check_value(
    name: str,
    value: Any,
    *,
    codes: KnownCodes | None = None,
    now: datetime.datetime | None = None,
) -> None:
    """The rules of one field on their own, for a caller that checks field by field (DRF):
    the ValidationError raised is the field's, without its name."""
    _RULES[name](value, _Context(codes, now))
