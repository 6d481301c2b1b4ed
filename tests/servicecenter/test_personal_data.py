"""Free-text fields must reject personal data (product spec §3)."""

from __future__ import annotations

from datetime import date

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from servicecenter.personal_data import (
    PersonalDataFinding,
    find_personal_data,
    is_valid_personal_identity_number,
    validate_no_personal_data,
)

IDENTITY_KINDS = {"personal_identity_number", "coordination_number"}
# The century of a ten-digit identity number depends on the date it is read on;
# tests that care pass this one instead of depending on today's date.
REFERENCE_DATE = date(2026, 6, 15)


def with_check_digit(nine_digits: str) -> str:
    """Append the Luhn check digit; written independently of the code under test."""
    total = 0
    for index, char in enumerate(nine_digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return nine_digits + str((10 - total % 10) % 10)


def only_finding(text: str) -> PersonalDataFinding:
    findings = find_personal_data(text)
    assert len(findings) == 1, findings
    return findings[0]


@pytest.mark.parametrize(
    "number",
    [
        "19121212-1212",  # Skatteverket's test number, 12 digits with dash
        "191212121212",  # 12 digits, no separator
        "121212-1212",  # 10 digits with dash
        "1212121212",  # 10 digits, no separator
        "121212+1212",  # over 100 years old
        "811218-9876",
        "8112189876",
        "19811218-9876",
        "20000229-" + with_check_digit("000229123")[-4:],  # leap day
        "701063-2391",  # coordination number, day 03 + 60
        "19701063-2391",
    ],
)
def test_valid_personal_identity_numbers_are_recognised(number: str) -> None:
    assert is_valid_personal_identity_number(number)


@pytest.mark.parametrize(
    "number",
    [
        "19121212-1213",
        "121212-1213",
        "811218-9875",
        "8112189871",
        "701063-2392",  # coordination number with a wrong check digit
    ],
)
def test_a_wrong_check_digit_makes_the_number_invalid(number: str) -> None:
    assert not is_valid_personal_identity_number(number)
    assert find_personal_data(f"Nummer {number} här") == []


@pytest.mark.parametrize(
    "number",
    [
        with_check_digit("811318987"),  # month 13
        with_check_digit("810018987"),  # month 00
        with_check_digit("811200987"),  # day 00
        with_check_digit("811232987"),  # day 32
        with_check_digit("810230987"),  # 30 February
        with_check_digit("810229987"),  # 29 February in a year that is never a leap year
        with_check_digit("811292987"),  # coordination day 92 (= 32)
        with_check_digit("811260987"),  # day 60: neither a birth day nor a coordination day
        "17" + with_check_digit("811218987"),  # 12 digits from the 1700s
        "19" + with_check_digit("811218987")[:6] + "+" + with_check_digit("811218987")[6:],
    ],
)
def test_luhn_valid_numbers_with_impossible_dates_are_not_personal_identity_numbers(
    number: str,
) -> None:
    assert not is_valid_personal_identity_number(number)
    assert find_personal_data(f"Nummer {number} här") == []


def test_coordination_numbers_are_reported_as_coordination_numbers() -> None:
    finding = only_finding("Samordningsnummer 701063-2391 fanns på blanketten.")
    assert finding.kind == "coordination_number"


def test_birth_numbers_are_reported_as_personal_identity_numbers() -> None:
    assert only_finding("811218-9876").kind == "personal_identity_number"


def test_surrounding_text_is_not_part_of_a_valid_number() -> None:
    assert not is_valid_personal_identity_number("pnr 811218-9876")
    assert is_valid_personal_identity_number("  811218-9876\n")


@pytest.mark.parametrize(
    "number",
    ["19121212-1212", "191212121212", "121212-1212", "1212121212", "121212+1212", "701063-2391"],
)
def test_a_number_inside_a_swedish_sentence_is_found_at_its_exact_position(number: str) -> None:
    text = f"Besökaren från Ödeshög skrev {number} på lappen, så vi hjälpte till ändå."
    finding = only_finding(text)
    assert (finding.start, finding.end) == (text.index(number), text.index(number) + len(number))
    assert finding.kind in IDENTITY_KINDS


def test_every_finding_in_a_text_is_reported_in_order_with_its_position() -> None:
    text = (
        "Åsa (811218-9876) bad om hjälp. Ring 070-123 45 67 "
        "eller mejla asa.berg@example.se, dotterns nr 701063-2391."
    )
    findings = find_personal_data(text)
    assert [(f.kind, f.start, f.end) for f in findings] == [
        ("personal_identity_number", text.index("811218"), text.index("811218") + 11),
        ("phone_number", text.index("070-"), text.index("070-") + 13),
        ("email_address", text.index("asa.berg"), text.index("asa.berg") + 19),
        ("coordination_number", text.index("701063"), text.index("701063") + 11),
    ]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("19121212-1212", "19121212-****"),
        ("811218-9876", "811218-****"),
        ("8112189876", "811218****"),
        ("121212+1212", "121212+****"),
        ("701063-2391", "701063-****"),
        ("070-123 45 67", "070-123 ** **"),
        ("+46 70 123 45 67", "+46 70 123 ** **"),
        ("08-123 456 78", "08-123 4** **"),
        ("anna.berg@example.se", "a***@example.se"),
    ],
)
def test_the_masked_value_hides_the_last_four_digits(text: str, masked: str) -> None:
    assert only_finding(text).masked == masked


@pytest.mark.parametrize("number", ["811218-9876", "070-765 43 21", "+46 8 555 678 90"])
def test_the_masked_value_never_contains_the_last_four_digits(number: str) -> None:
    last_four = "".join(c for c in number if c.isdigit())[-4:]
    masked = only_finding(number).masked
    assert last_four not in "".join(c for c in masked if c.isdigit())


@pytest.mark.parametrize(
    "number",
    [
        "070-123 45 67",
        "0701234567",
        "070 123 45 67",
        "070-1234567",
        "073-987 65 43",
        "+46 70 123 45 67",
        "+46701234567",
        "+46 (0)70-123 45 67",
        "0046 70 123 45 67",
        "0046701234567",
        "08-123 456 78",
        "08-123 45 67",
        "0950-123 45",
        "090-12 34 56",
        "+46 8 123 456 78",
    ],
)
def test_swedish_phone_numbers_are_found(number: str) -> None:
    text = f"Ring henne på {number} efter lunch."
    finding = only_finding(text)
    assert finding.kind == "phone_number"
    assert text[finding.start : finding.end] == number


@pytest.mark.parametrize(
    "number",
    ["+1 202 555 0123", "+44 (0)20 7946 0958", "+358 40 123 4567", "+4915112345678"],
)
def test_international_phone_numbers_are_found(number: str) -> None:
    text = f"Sonen i utlandet nås på {number}."
    finding = only_finding(text)
    assert finding.kind == "phone_number"
    assert text[finding.start : finding.end] == number


def test_a_phone_number_followed_by_a_time_is_still_found() -> None:
    text = "Ring 070-123 45 67 10:15 imorgon"
    finding = only_finding(text)
    assert text[finding.start : finding.end] == "070-123 45 67"


def test_a_mobile_number_that_is_also_a_valid_personnummer_is_flagged_once() -> None:
    # 0701234569 is a mobile number and also a valid personnummer (born 2007-01-23).
    assert is_valid_personal_identity_number("0701234569")
    finding = only_finding("Ring 0701234569")
    assert finding.kind == "personal_identity_number"
    assert (finding.start, finding.end) == (5, 15)


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("anna@example.se", "a***@example.se"),
        ("anna.berg@mail.lycksele.se", "a***@mail.lycksele.se"),
        ("anna+besok@example.com", "a***@example.com"),
        ("björn.öberg@kommun.example.se", "b***@kommun.example.se"),
        ("A.Berg@Example.SE", "A***@Example.SE"),
        ("anna.svensson@example.se", "a***@example.se"),
    ],
)
def test_email_addresses_are_found_and_masked(address: str, masked: str) -> None:
    text = f"Kontakta mig på {address}."
    finding = only_finding(text)
    assert finding.kind == "email_address"
    assert text[finding.start : finding.end] == address
    assert finding.masked == masked


@pytest.mark.parametrize(
    "file_name", ["logo@2x.png", "Skärmbild@3x.JPG", "ikon@2x.webp", "intyg@2x.pdf"]
)
def test_image_file_names_with_an_at_sign_are_not_email_addresses(file_name: str) -> None:
    assert find_personal_data(f"Bifogade {file_name} till ärendet.") == []


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Sjukskriven 2021-05-08-2021-05-21", id="date-range"),
        pytest.param("Kundnummer 032445674", id="customer-number"),
        pytest.param("Boken (978-1-030-89102-8)", id="isbn"),
        pytest.param("IBAN SE08 6171 4982 1234 5678 9012", id="iban"),
        pytest.param("IBAN SE45 5000 0000 0583 9825 7466", id="iban-with-zero-groups"),
    ],
)
def test_notes_the_hand_written_phone_pattern_refused_are_allowed(text: str) -> None:
    assert find_personal_data(text) == []
    validate_no_personal_data(text)


def test_an_unbroken_digit_run_shaped_like_a_landline_number_is_allowed() -> None:
    # 0322-12 34 56 is a valid Alingsås number, but written without any grouping it
    # is indistinguishable from a zero-padded customer or reference number.
    assert find_personal_data("Kundnummer 0322123456") == []


def test_the_tail_of_an_amount_is_not_a_phone_number() -> None:
    # "031 250 000" alone would be a valid Gothenburg number.
    assert find_personal_data("Bidraget är 1 031 250 000 kr") == []


@pytest.mark.parametrize(
    "number",
    [
        pytest.param("08-12 34 56", id="stockholm-six-digits"),
        pytest.param("0046 8 12 34 56", id="0046-stockholm"),
        pytest.param("(079) 704 51 99", id="area-code-in-brackets"),
        pytest.param("073/753 29 45", id="slash-after-area-code"),
        pytest.param("076.217.25.26", id="dots"),
        pytest.param("0701-23 45 67", id="four-digit-prefix"),
        pytest.param("08-1234 5678", id="two-groups-of-four"),
        pytest.param("070 - 123 45 67", id="spaced-dash"),
    ],
)
def test_phone_numbers_the_hand_written_pattern_missed_are_found(number: str) -> None:
    text = f"Ring henne på {number} efter lunch."
    finding = only_finding(text)
    assert finding.kind == "phone_number"
    assert text[finding.start : finding.end] == number


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Ring efter kl 14 079-704 51 99", id="kl-14"),
        pytest.param("Ring efter kl. 14.30 079-704 51 99", id="kl-14.30"),
        pytest.param("Ring 13:00 079-704 51 99", id="13:00"),
    ],
)
def test_a_phone_number_right_after_a_time_of_day_is_found(text: str) -> None:
    finding = only_finding(text)
    assert finding.kind == "phone_number"
    assert text[finding.start : finding.end] == "079-704 51 99"


def test_a_phone_number_followed_by_a_time_range_is_found() -> None:
    text = "Ring 079-704 51 99 14-16"
    finding = only_finding(text)
    assert text[finding.start : finding.end] == "079-704 51 99"


def test_two_phone_numbers_separated_by_a_space_are_both_found() -> None:
    text = "Nummer 070-123 45 67 08-123 456 78"
    findings = find_personal_data(text)
    assert [text[f.start : f.end] for f in findings] == ["070-123 45 67", "08-123 456 78"]


def test_a_phone_number_right_after_an_identity_number_is_found_too() -> None:
    text = "811218-9876 070-123 45 67"
    assert [f.kind for f in find_personal_data(text)] == [
        "personal_identity_number",
        "phone_number",
    ]


def test_brackets_around_a_whole_phone_number_are_not_part_of_it() -> None:
    text = "Ring henne (070-123 45 67) imorgon."
    finding = only_finding(text)
    assert text[finding.start : finding.end] == "070-123 45 67"


def test_digits_glued_to_letters_are_a_code_not_a_phone_number() -> None:
    assert find_personal_data("Kod abc0701234567xyz") == []


def test_the_position_of_a_phone_number_is_reported_as_before() -> None:
    text = "Ring efter kl 14 079-704 51 99"
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        validate_no_personal_data(text)
    assert excinfo.value.messages == [
        "Remove the phone number 079-704 ** ** (character 18). "
        "Visits are anonymous and must not hold personal data."
    ]


@pytest.mark.parametrize(
    ("number", "today", "valid"),
    [
        pytest.param("000229+1235", REFERENCE_DATE, False, id="plus-means-1900-not-a-leap-year"),
        pytest.param("000229-1235", REFERENCE_DATE, True, id="dash-means-2000-a-leap-year"),
        pytest.param("0002291235", REFERENCE_DATE, True, id="no-separator-means-2000"),
        pytest.param("19000229-1235", REFERENCE_DATE, False, id="century-written-1900"),
        pytest.param("20000229-1235", REFERENCE_DATE, True, id="century-written-2000"),
        pytest.param(
            "040229+" + with_check_digit("040229123")[-4:], REFERENCE_DATE, True, id="plus-1904"
        ),
        pytest.param(
            "000289+" + with_check_digit("000289123")[-4:],
            REFERENCE_DATE,
            False,
            id="coordination-number-plus-1900",
        ),
        pytest.param("000229+1235", date(2101, 1, 1), True, id="plus-read-in-2101-means-2000"),
        pytest.param("000229-1235", date(2100, 6, 1), False, id="dash-read-in-2100-means-2100"),
    ],
)
def test_29_february_counts_only_in_a_leap_year_of_the_inferred_century(
    number: str, today: date, valid: bool
) -> None:
    assert is_valid_personal_identity_number(number, today=today) is valid


def test_29_february_1900_written_with_plus_is_not_flagged_in_a_note() -> None:
    assert find_personal_data("Född 000229+1235, 126 år", today=REFERENCE_DATE) == []


@pytest.mark.parametrize(
    "text",
    [
        "Besök 2026-03-16",
        "Besök 16/3",
        "Besök 20260316",
        "Kom tillbaka 08-12-2026 10:15",
        "Kl. 10:15 kom hon in",
        "Bokad kl. 14.30",
        "Öppet 08:30-16:00",
        "Postnummer 921 31 Lycksele",
        "Postnummer 92131",
        "Order 123456",
        "Kölapp A017",
        "Ärende LYC-2026-00042",
        "Räkningen var 1 250 kr",
        "Bidraget är 12 070 450 000 kr",
        "Året 2026",
        "Batteriet var på 75 %",
        "Räntan 3,5 %",
        "Faktura 8112189875",  # personnummer shape with a bad check digit
        "Referens " + with_check_digit("811332987"),  # Luhn-valid but no 32nd of any month
        "Referens 1234567890",
        "Version 1.2.3, ärende #4711",
    ],
)
def test_everyday_numbers_are_not_flagged(text: str) -> None:
    assert find_personal_data(text) == []
    validate_no_personal_data(text)


@pytest.mark.parametrize("value", [None, "", "Hjälpte till med BankID på mobilen."])
def test_text_without_personal_data_passes_validation(value: str | None) -> None:
    validate_no_personal_data(value)


def test_the_validation_error_names_the_kind_and_the_human_position() -> None:
    text = "Personnummer: 19121212-1212"
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        validate_no_personal_data(text)
    assert excinfo.value.code == "personal_data"
    assert excinfo.value.messages == [
        "Remove the personal identity number 19121212-**** (character 15). "
        "Visits are anonymous and must not hold personal data."
    ]


def test_the_swedish_validation_error_gives_its_reason_in_a_sentence_of_its_own() -> None:
    text = "Personnummer: 19121212-1212"
    with translation.override("sv"), pytest.raises(ValidationError) as excinfo:
        validate_no_personal_data(text)
    assert excinfo.value.messages == [
        "Ta bort personnumret 19121212-**** (tecken 15). "
        "Besök är anonyma och får inte innehålla personuppgifter."
    ]


def test_one_validation_error_lists_every_finding() -> None:
    text = "Ring 070-123 45 67 eller mejla anna@example.se"
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        validate_no_personal_data(text)
    [message] = excinfo.value.messages
    assert excinfo.value.code == "personal_data"
    assert message == (
        "Remove the phone number 070-123 ** ** (character 6) and "
        "the e-mail address a***@example.se (character 32). "
        "Visits are anonymous and must not hold personal data."
    )


def test_three_findings_are_listed_in_one_sentence_in_swedish() -> None:
    text = "Ring 070-123 45 67, 0950-123 45 eller mejla anna@example.se"
    with translation.override("sv"), pytest.raises(ValidationError) as excinfo:
        validate_no_personal_data(text)
    assert excinfo.value.messages == [
        "Ta bort telefonnumret 070-123 ** ** (tecken 6), telefonnumret 0950-1** ** "
        "(tecken 21) och e-postadressen a***@example.se (tecken 45). "
        "Besök är anonyma och får inte innehålla personuppgifter."
    ]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("701063-2391", "coordination number"),
        ("0950-123 45", "phone number"),
        ("anna@example.se", "e-mail address"),
    ],
)
def test_the_validation_error_uses_a_readable_label_for_each_kind(text: str, label: str) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        validate_no_personal_data(text)
    assert excinfo.value.messages[0].startswith(f"Remove the {label} ")


def test_the_validation_error_never_repeats_the_full_number() -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_no_personal_data("Hon har 811218-9876 och 070-765 43 21")
    message = excinfo.value.messages[0]
    assert "9876" not in message
    assert "4321" not in message.replace(" ", "")


@st.composite
def personal_identity_numbers(draw: st.DrawFn) -> str:
    born = draw(st.dates(min_value=date(1800, 1, 1), max_value=date(2099, 12, 31)))
    day = born.day + (60 if draw(st.booleans()) else 0)
    ten = with_check_digit(
        f"{born.year % 100:02d}{born.month:02d}{day:02d}{draw(st.integers(0, 999)):03d}"
    )
    century = str(born.year // 100)
    forms = [f"{ten[:6]}-{ten[6:]}", ten, f"{century}{ten[:6]}-{ten[6:]}", f"{century}{ten}"]
    if born.year <= REFERENCE_DATE.year - 100:
        forms.append(f"{ten[:6]}+{ten[6:]}")  # "+" only for people 100 or older
    return draw(st.sampled_from(forms))


SURROUNDING_TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyzåäöÅÄÖ ", max_size=30)


@given(before=SURROUNDING_TEXT, number=personal_identity_numbers(), after=SURROUNDING_TEXT)
def test_any_valid_personal_identity_number_in_running_text_is_found(
    before: str, number: str, after: str
) -> None:
    findings = find_personal_data(before + number + after, today=REFERENCE_DATE)
    assert [(f.start, f.end) for f in findings] == [(len(before), len(before) + len(number))]
    assert findings[0].kind in IDENTITY_KINDS
    assert is_valid_personal_identity_number(number, today=REFERENCE_DATE)


@given(number=st.integers(min_value=0, max_value=9999), padded=st.booleans())
def test_four_digit_numbers_and_years_are_never_flagged(number: int, padded: bool) -> None:
    value = f"{number:04d}" if padded else str(number)
    assert find_personal_data(value) == []
    assert find_personal_data(f"Året {value} var bra") == []


@pytest.mark.parametrize(
    "text",
    [
        "0" * 20_000,
        "1 " * 10_000,
        "+4 " * 7_000,
        "070-" * 5_000,
        "a" * 20_000 + "@",
        "a@" + "b." * 10_000,
        "19121212-" * 2_000,
    ],
)
def test_hostile_long_text_without_personal_data_yields_no_findings(text: str) -> None:
    # Catastrophic regex backtracking would hang here rather than answer.
    assert find_personal_data(text) == []


def test_a_typical_long_note_without_personal_data_passes_validation() -> None:
    note = (
        "Besökaren behövde hjälp med BankID och 1177. Vi loggade in på Försäkringskassan, "
        "laddade ner blanketten och fyllde i den tillsammans. Ärende LYC-2026-00042, kölapp A017, "
        "besök 2026-03-16 kl. 14.30, tog 25 min. Återkommer 8/4 för att skicka in kompletteringen "
        "till Skatteverket. Skrev ut 3 sidor (15 kr). Postnummer 921 31. "
    )
    validate_no_personal_data((note * 2)[:500])


# Area codes without the trunk "0", each with the subscriber number lengths used
# behind it: mobile numbers, Stockholm, Gothenburg, Umeå and Lycksele.
PHONE_AREAS = {
    "70": (7,),
    "72": (7,),
    "73": (7,),
    "76": (7,),
    "79": (7,),
    "8": (5, 6, 7, 8),
    "31": (5, 6, 7, 8),
    "90": (5, 6, 7),
    "950": (5, 6),
}


def grouped(subscriber: str) -> str:
    """The usual Swedish grouping: pairs from the right, a three-digit group first."""
    return {
        5: f"{subscriber[:3]} {subscriber[3:]}",
        6: f"{subscriber[:2]} {subscriber[2:4]} {subscriber[4:]}",
        7: f"{subscriber[:3]} {subscriber[3:5]} {subscriber[5:]}",
        8: f"{subscriber[:3]} {subscriber[3:6]} {subscriber[6:]}",
    }[len(subscriber)]


@st.composite
def written_swedish_phone_numbers(draw: st.DrawFn) -> str:
    area = draw(st.sampled_from(sorted(PHONE_AREAS)))
    length = draw(st.sampled_from(PHONE_AREAS[area]))
    subscriber = draw(st.from_regex(rf"\A[1-9][0-9]{{{length - 1}}}\Z"))
    national = f"0{area}{subscriber}"
    # libphonenumber's own validity is what "a valid Swedish number" means here.
    assume(phonenumbers.is_valid_number(phonenumbers.parse(national, "SE")))
    groups = grouped(subscriber)
    forms = [
        f"0{area}-{groups}",
        f"0{area} {groups}",
        f"+46 {area} {groups}",
        f"+46{area}{subscriber}",
        f"0046 {area} {groups}",
        f"(0{area}) {groups}",
        f"0{area}/{groups}",
        f"0{area}.{groups.replace(' ', '.')}",
        f"0{area}-{subscriber}",
    ]
    if area.startswith("7"):
        # Unbroken, only mobile numbers count (see the landline customer number above).
        forms.append(national)
    return draw(st.sampled_from(forms))


SWEDISH_WORDS = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzåäöÅÄÖ", min_size=1, max_size=12), max_size=4
)


@settings(derandomize=True, database=None, max_examples=300, deadline=None)
@given(before=SWEDISH_WORDS, number=written_swedish_phone_numbers(), after=SWEDISH_WORDS)
def test_a_valid_swedish_phone_number_in_any_common_form_is_found_in_a_sentence(
    before: list[str], number: str, after: list[str]
) -> None:
    text = " ".join([*before, number, *after])
    start = text.index(number)
    findings = find_personal_data(text, today=REFERENCE_DATE)
    assert [(f.start, f.end) for f in findings] == [(start, start + len(number))]
    # An unbroken mobile number can also be a valid personnummer, reported as such.
    assert findings[0].kind == "phone_number" or is_valid_personal_identity_number(
        number, today=REFERENCE_DATE
    )
