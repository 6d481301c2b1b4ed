"""Detect personal data in free text so that visit records stay anonymous.

Product spec §3: notes, case descriptions and comments must never hold a
personal identity number (personnummer), a coordination number
(samordningsnummer), a phone number or an e-mail address.

The patterns err on the side of flagging only what really looks like personal
data: staff type dates, times, postcodes, amounts and case numbers all day, and
a validator that cries wolf gets worked around.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

PERSONAL_IDENTITY_NUMBER = "personal_identity_number"
COORDINATION_NUMBER = "coordination_number"
PHONE_NUMBER = "phone_number"
EMAIL_ADDRESS = "email_address"

_KIND_LABELS: dict[str, Promise] = {
    PERSONAL_IDENTITY_NUMBER: gettext_lazy("personal identity number"),
    COORDINATION_NUMBER: gettext_lazy("coordination number"),
    PHONE_NUMBER: gettext_lazy("phone number"),
    EMAIL_ADDRESS: gettext_lazy("e-mail address"),
}
# Translators: one finding, e.g. "the phone number (070-123 ** **) at character 15".
_FINDING_MESSAGE = gettext_lazy("the %(kind)s (%(masked)s) at character %(position)d")
# Translators: %(findings)s is one or more findings, separated by "; ".
_ERROR_MESSAGE = gettext_lazy(
    "Remove %(findings)s: visits are anonymous and must not hold personal data."
)

# Contiguous digits only: a date and serial separated by anything but -/+ is
# far more likely to be a date followed by some other number.
_PIN_RE = re.compile(
    r"""
    (?<!\d)
    (?P<century>1[89]|20)?
    (?P<date>\d{6})
    (?P<separator>[-+]?)
    (?P<serial>\d{4})
    (?!\d)
    """,
    re.VERBOSE | re.ASCII,
)

# Digits are counted one by one ("optional separator, digit") so the length
# limits hold however people group them, and every repetition is bounded, so
# there is no catastrophic backtracking.
_PHONE_RE = re.compile(
    r"""
    # Not the tail of a longer number, nor a group of an amount like "1 070 450 500 kr".
    (?<![\d+])(?<!\d\ )
    (?:
        # +<country code> or 0046, then 8 to 15 digits (E.164 allows 15);
        # "(0)" is the domestic trunk prefix people keep out of habit.
        (?:\+|0046(?:[ -]|\ ?\(0\)\ ?)?)[1-9](?:(?:[ -]|\ ?\(0\)\ ?)?\d){7,14}
      |
        # Domestic: 9-10 digits. The area code is 08 or three to four digits
        # and subscriber numbers never start with 0, which keeps out dates and
        # zero-padded numbers. 8-digit numbers are so rare now that catching
        # them is not worth flagging DD-MM-YYYY dates.
        (?!\d\d([- ])\d\d\1\d{4}(?!\d))      # 08-12-2026 (DD-MM-YYYY on the 8th)
        0(?=(?:8|[1-79]\d\d?)[ -]?[1-9])
        [1-9](?:[ -]?\d){7,8}
    )
    (?!\d)
    """,
    re.VERBOSE | re.ASCII,
)

# Each domain label ends at a dot, so the repetition cannot backtrack
# ambiguously; the lookbehind stops matches from starting mid-word.
_EMAIL_RE = re.compile(r"(?<![\w.%+-])[\w.%+-]+@(?:[\w-]+\.)+[^\W\d_]{2,}")


@dataclass(frozen=True)
class PersonalDataFinding:
    kind: str
    start: int
    end: int
    masked: str


def _luhn_is_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _identity_number_kind(match: re.Match[str]) -> str | None:
    """Return the kind of a personnummer-shaped match, or None if it isn't one."""
    century, date, separator, serial = match.group("century", "date", "separator", "serial")
    if century and separator == "+":
        # "+" marks a 10-digit number of someone over 100; with the century written
        # out it means nothing and is not a format Skatteverket uses.
        return None
    month, day = int(date[2:4]), int(date[4:6])
    kind = PERSONAL_IDENTITY_NUMBER
    if day > 60:
        day -= 60
        kind = COORDINATION_NUMBER
    # Without a century only yy % 4 is known, which is enough to judge 29 February.
    year = int((century or "20") + date[:2])
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return None
    return kind if _luhn_is_valid(date + serial) else None


def _mask_last_digits(text: str, count: int = 4) -> str:
    chars = list(text)
    for index in range(len(chars) - 1, -1, -1):
        if count == 0:
            break
        if chars[index].isdigit():
            chars[index] = "*"
            count -= 1
    return "".join(chars)


def _mask_email(address: str) -> str:
    local, _, domain = address.rpartition("@")
    return f"{local[0]}***@{domain}"


def is_valid_personal_identity_number(value: str) -> bool:
    """True for a well-formed personnummer or samordningsnummer with a valid check digit."""
    match = _PIN_RE.fullmatch(value.strip())
    return match is not None and _identity_number_kind(match) is not None


def find_personal_data(text: str | None) -> list[PersonalDataFinding]:
    """Return the personal data in ``text``, ordered by position and non-overlapping."""
    if not text:
        return []
    candidates: list[PersonalDataFinding] = []
    for match in _PIN_RE.finditer(text):
        kind = _identity_number_kind(match)
        if kind:
            masked = _mask_last_digits(match.group())
            candidates.append(PersonalDataFinding(kind, match.start(), match.end(), masked))
    for match in _PHONE_RE.finditer(text):
        masked = _mask_last_digits(match.group())
        candidates.append(PersonalDataFinding(PHONE_NUMBER, match.start(), match.end(), masked))
    for match in _EMAIL_RE.finditer(text):
        masked = _mask_email(match.group())
        candidates.append(PersonalDataFinding(EMAIL_ADDRESS, match.start(), match.end(), masked))

    # A 10-digit number starting with 0 can be both a phone number and a valid
    # personnummer (0701234569 is also someone born 2007-01-23). Either way it is
    # personal data; we report the personnummer, the more sensitive of the two.
    # The sort is stable and identity numbers were added first, so on equal spans
    # they win; otherwise the earliest, then longest, match wins.
    candidates.sort(key=lambda finding: (finding.start, finding.start - finding.end))
    findings: list[PersonalDataFinding] = []
    for candidate in candidates:
        if not findings or candidate.start >= findings[-1].end:
            findings.append(candidate)
    return findings


def validate_no_personal_data(value: str | None) -> None:
    """Django validator for free-text fields: reject any personal data.

    Raises a single ValidationError (code "personal_data") naming every finding
    by kind, masked value and 1-based character position, so the user can find
    and remove it. The unmasked value is never put in the message.
    """
    findings = find_personal_data(value)
    if not findings:
        return
    parts = [
        _FINDING_MESSAGE
        % {"kind": _KIND_LABELS[f.kind], "masked": f.masked, "position": f.start + 1}
        for f in findings
    ]
    message = _ERROR_MESSAGE % {"findings": "; ".join(parts)}
    # No params: the message is already formatted, and a "%" in an e-mail address
    # must not be formatted a second time.
    raise ValidationError(message, code="personal_data")
