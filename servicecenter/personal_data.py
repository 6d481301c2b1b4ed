"""Detect personal data in free text so that visit records stay anonymous.

Product spec §3: notes, case descriptions and comments must never hold a
personal identity number (personnummer), a coordination number
(samordningsnummer), a phone number or an e-mail address.

The patterns err on the side of flagging only what really looks like personal
data: staff type dates, times, postcodes, amounts and case numbers all day, and
a validator that cries wolf gets worked around.

Identity numbers are checked by our own code (date and Luhn check digit). Phone
numbers are judged by ``phonenumbers`` (libphonenumber's numbering plans), which
knows which area codes exist and how long a number behind each may be; a
hand-written pattern could only guess at that from digit counts.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

PERSONAL_IDENTITY_NUMBER = "personal_identity_number"
COORDINATION_NUMBER = "coordination_number"
PHONE_NUMBER = "phone_number"
EMAIL_ADDRESS = "email_address"

# Each kind as the object of "Remove …", in the definite form ("personnumret").
_KIND_LABELS: dict[str, Promise] = {
    PERSONAL_IDENTITY_NUMBER: gettext_lazy("the personal identity number"),
    COORDINATION_NUMBER: gettext_lazy("the coordination number"),
    PHONE_NUMBER: gettext_lazy("the phone number"),
    EMAIL_ADDRESS: gettext_lazy("the e-mail address"),
}
# Translators: one finding, e.g. "the phone number 070-123 ** ** (character 15)".
_FINDING_MESSAGE = gettext_lazy("%(kind)s %(masked)s (character %(position)d)")
# Translators: joins the last two findings; any before them are joined with ", ".
_LAST_TWO_FINDINGS = gettext_lazy("%(first)s and %(second)s")
# Translators: %(findings)s is one or more findings. The reason is a sentence of its own.
_ERROR_MESSAGE = gettext_lazy(
    "Remove %(findings)s. Visits are anonymous and must not hold personal data."
)
# Translators: %(findings)s is one or more findings, in a follow-up case's description or
# comment. The contact details have fields of their own, kept only with consent.
_CASE_ERROR_MESSAGE = gettext_lazy(
    "Remove %(findings)s. A follow-up case keeps contact details only in its contact fields, "
    "with the visitor's consent."
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

# Phone numbers are found by phonenumbers' matcher with Swedish region rules.
# VALID leniency: the number must exist in the numbering plan (a real area code
# and a length that area uses), which is what keeps dates, postcodes, order and
# case numbers out. POSSIBLE only checks lengths and lets "Order 123456" and
# zero-padded customer numbers through; STRICT_GROUPING and EXACT_GROUPING also
# judge how the digits are grouped, and people group Swedish numbers in more
# ways than libphonenumber's formatting rules describe: STRICT refuses
# "0701-23 45 67" and "08-1234 5678", EXACT even the everyday "070-1234567",
# and a number grouped oddly is no less personal. The matcher already reads "."
# and "/" between digit groups as phone punctuation, so "076.217.25.26" and
# "073/753 29 45" need no rewriting before it: what it gets wrong in running
# text is where a number ends (below).
_PHONE_REGION = "SE"
_PHONE_LENIENCY = phonenumbers.Leniency.VALID
# "+46 (0)70-123 45 67" has 12 digits; E.164 allows 15, written with "00" 17.
# Nothing shorter than 7 digits is a number anywhere (Stockholm's "08-123 45").
_PHONE_DIGITS = range(7, 18)

# The matcher reads a single space as part of a number, so a number next to any
# other digits ("kl 14 079-704 51 99", "070-123 45 67 10:15", two numbers in a
# row) becomes one candidate that is invalid as a whole, and the real number is
# lost. We therefore cut the text into runs of digit groups ourselves and let the
# matcher judge pieces of a run that end at a group boundary.
_PHONE_RUN_RE = re.compile(
    r"""
    [+(]?\d+
    (?:
        (?:[\ \u00a0]?[-\u2010-\u2015./()][\ \u00a0]?|[\ \u00a0])  # one separator
        \d+
    )*
    """,
    re.VERBOSE,
)

# Dates and times of day sit next to phone numbers in notes ("ring efter kl 14
# ..."), and a date on the 8th ("08-12-2026") is itself a valid Stockholm number.
# They are blanked out before phone numbers are looked for; blanking keeps the
# text's length, so positions stay those of the original text.
_NOT_PHONE_RE = re.compile(
    r"""
    (?<!\d)
    (?:
        \d{4}-\d\d-\d\d                              # 2026-03-16
      | \d{1,2}([-./])\d{1,2}\1(?:19|20)\d\d         # 08-12-2026, 8.12.2026
      | \d{1,2}:\d\d                                 # 10:15
    )
    (?!\d)
  | (?<![\d.])\d{1,2}\.\d\d(?![\d.])                 # 14.30, but not 076.217.25.26
  | \bkl(?:ockan)?\.?\ ?\d{1,2}(?:[.:]\d\d)?         # kl 14, kl. 14.30, klockan 9
    (?:\ ?[-\u2013]\ ?\d{1,2}(?:[.:]\d\d)?)?(?!\d)   # kl 14-16
    """,
    re.VERBOSE | re.IGNORECASE,
)
_BLANK = "_"  # neither a digit, phone punctuation nor a letter to the matcher

# Each domain label ends at a dot, so the repetition cannot backtrack
# ambiguously; the lookbehind stops matches from starting mid-word.
_EMAIL_RE = re.compile(r"(?<![\w.%+-])[\w.%+-]+@(?:[\w-]+\.)+[^\W\d_]{2,}")
# "logo@2x.png" is how image files for high-resolution screens are named. These
# extensions are not top-level domains (unlike .zip or .mov), so an "address"
# ending in one is a file name.
_FILE_EXTENSIONS = frozenset(
    {
        "bmp", "csv", "doc", "docx", "gif", "heic", "jpeg", "jpg", "odt", "ods", "pdf",
        "png", "ppt", "pptx", "rtf", "svg", "tif", "tiff", "txt", "webp", "xls", "xlsx",
    }
)  # fmt: skip


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


def _birth_year(century: str | None, yy: str, separator: str, today: date) -> int:
    if century:
        return int(century + yy)
    # Skatteverket writes "+" from the year someone turns 100 and "-" before that,
    # so the ten-digit form means the latest year ending in yy that fits: 000229+
    # is 29 February 1900, which did not exist, while 000229- is 2000's leap day.
    latest = today.year - 100 if separator == "+" else today.year
    return latest - (latest - int(yy)) % 100


def _identity_number_kind(match: re.Match[str], today: date) -> str | None:
    """Return the kind of a personnummer-shaped match, or None if it isn't one."""
    century, date_digits, separator, serial = match.group("century", "date", "separator", "serial")
    if century and separator == "+":
        # "+" marks a 10-digit number of someone over 100; with the century written
        # out it means nothing and is not a format Skatteverket uses.
        return None
    month, day = int(date_digits[2:4]), int(date_digits[4:6])
    kind = PERSONAL_IDENTITY_NUMBER
    if day > 60:
        day -= 60
        kind = COORDINATION_NUMBER
    year = _birth_year(century, date_digits[:2], separator, today)
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return None
    return kind if _luhn_is_valid(date_digits + serial) else None


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


def _is_written_as_phone_number(raw: str, number: phonenumbers.PhoneNumber) -> bool:
    # A bare run of digits is how customer, invoice and reference numbers are
    # written, and most 9- and 10-digit runs starting with 0 happen to be valid
    # Swedish numbers (0322 is Alingsås). Without a separator or a country prefix
    # we only call it a phone number when it is a mobile number: those are what
    # people copy unbroken from their phone's contacts, and they are the personal
    # ones. A landline or service number has to look like one ("031-12 34 56").
    if not raw.isdigit() or raw.startswith("00"):
        return True
    return phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE


def _is_phone_number(prepared: str, start: int, end: int) -> bool:
    """True if prepared[start:end] is, as a whole, a phone number to the matcher."""
    # One character of context on each side: the matcher refuses a number glued
    # to a letter ("SE08 6171 4982 ..." is an IBAN, not a Stockholm number). An
    # enclosing "(" is context only, or the matcher would make it part of the number.
    low, high = max(start - 1, 0), min(end + 1, len(prepared))
    window = prepared[low:high]
    if low < start and window[0] == "(":
        window = " " + window[1:]
    for match in phonenumbers.PhoneNumberMatcher(window, _PHONE_REGION, leniency=_PHONE_LENIENCY):
        if (low + match.start, low + match.end) == (start, end):
            return _is_written_as_phone_number(match.raw_string, match.number)
    return False


def _longest_phone_number_from(
    prepared: str, groups: list[tuple[int, int]], first: int
) -> tuple[int, int] | None:
    """The longest number starting at group ``first``: its start and last group."""
    start = groups[first][0]
    if start > 0 and prepared[start - 1] in "+(":
        start -= 1
    digit_counts, total = [], 0
    for group_start, group_end in groups[first:]:
        total += group_end - group_start
        if total > _PHONE_DIGITS[-1]:
            break
        digit_counts.append(total)
    for last in range(first + len(digit_counts) - 1, first - 1, -1):
        if digit_counts[last - first] not in _PHONE_DIGITS:
            continue
        end = groups[last][1]
        # "(070-123 45 67)": a bracket that is not closed within the number
        # encloses it and is not part of it.
        number_start = start
        if prepared[start] == "(" and ")" not in prepared[start:end]:
            number_start += 1
        if _is_phone_number(prepared, number_start, end):
            return number_start, last
    return None


def _phone_number_spans(text: str, blanked: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Start and end of each phone number in ``text``, ignoring the ``blanked`` spans."""
    chars = list(text)
    for span in [m.span() for m in _NOT_PHONE_RE.finditer(text)] + blanked:
        chars[span[0] : span[1]] = _BLANK * (span[1] - span[0])
    prepared = "".join(chars)

    for run in _PHONE_RUN_RE.finditer(prepared):
        groups = [group.span() for group in re.finditer(r"\d+", run.group())]
        groups = [(run.start() + a, run.start() + b) for a, b in groups]
        first = 0
        while first < len(groups):
            found = _longest_phone_number_from(prepared, groups, first)
            if found is None:
                # Digits glued to something that is not a phone number may be
                # part of it (an amount "1 031 250 000 kr", an IBAN, an ISBN), and
                # their tail is often a valid number ("031 250 000"): stop here.
                break
            start, last = found
            yield start, groups[last][1]
            first = last + 1


def is_valid_personal_identity_number(value: str, *, today: date | None = None) -> bool:
    """True for a well-formed personnummer or samordningsnummer with a valid check digit.

    ``today`` (default: the current local date) decides the century of a
    ten-digit number, which matters for 29 February.
    """
    match = _PIN_RE.fullmatch(value.strip())
    return (
        match is not None
        and _identity_number_kind(match, today or timezone.localdate()) is not None
    )


def find_personal_data(text: str | None, *, today: date | None = None) -> list[PersonalDataFinding]:
    """Return the personal data in ``text``, ordered by position and non-overlapping.

    ``today`` (default: the current local date) is as for
    :func:`is_valid_personal_identity_number`.
    """
    if not text:
        return []
    today = today or timezone.localdate()
    candidates: list[PersonalDataFinding] = []
    for match in _PIN_RE.finditer(text):
        kind = _identity_number_kind(match, today)
        if kind:
            masked = _mask_last_digits(match.group())
            candidates.append(PersonalDataFinding(kind, match.start(), match.end(), masked))
    # An identity number is reported whatever else it looks like: 0701234569 is a
    # mobile number and also a valid personnummer (born 2007-01-23), and the
    # personnummer is the more sensitive reading. Phone numbers are looked for
    # with identity numbers blanked out, which also finds a phone number written
    # right after one ("811218-9876 070-123 45 67").
    identity_spans = [(finding.start, finding.end) for finding in candidates]
    for start, end in _phone_number_spans(text, identity_spans):
        masked = _mask_last_digits(text[start:end])
        candidates.append(PersonalDataFinding(PHONE_NUMBER, start, end, masked))
    for match in _EMAIL_RE.finditer(text):
        if match.group().rpartition(".")[2].lower() in _FILE_EXTENSIONS:
            continue
        masked = _mask_email(match.group())
        candidates.append(PersonalDataFinding(EMAIL_ADDRESS, match.start(), match.end(), masked))

    # Findings of different kinds can still overlap (digits inside an e-mail
    # address): the earliest, then the longest, is reported.
    candidates.sort(key=lambda finding: (finding.start, finding.start - finding.end))
    findings: list[PersonalDataFinding] = []
    for candidate in candidates:
        if not findings or candidate.start >= findings[-1].end:
            findings.append(candidate)
    return findings


def _refuse_personal_data(value: str | None, message: Promise) -> None:
    """Raise a single ValidationError (code "personal_data") naming every finding by kind,
    masked value and 1-based character position, so the user can find and remove it. The
    unmasked value is never put in the message."""
    findings = find_personal_data(value)
    if not findings:
        return
    parts = [
        _FINDING_MESSAGE
        % {"kind": _KIND_LABELS[f.kind], "masked": f.masked, "position": f.start + 1}
        for f in findings
    ]
    if len(parts) > 1:
        parts[-2:] = [_LAST_TWO_FINDINGS % {"first": parts[-2], "second": parts[-1]}]
    # No params: the message is already formatted, and a "%" in an e-mail address
    # must not be formatted a second time.
    raise ValidationError(message % {"findings": ", ".join(parts)}, code="personal_data")


def validate_no_personal_data(value: str | None) -> None:
    """Django validator for a visit's free text: reject any personal data."""
    _refuse_personal_data(value, _ERROR_MESSAGE)


def validate_no_personal_data_in_case(value: str | None) -> None:
    """Django validator for a follow-up case's free text (title, description, comments):
    reject any personal data; the visitor's contact details have fields of their own."""
    _refuse_personal_data(value, _CASE_ERROR_MESSAGE)
