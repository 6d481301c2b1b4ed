"""Working days in Sweden: weekends, the public holidays and the eves kept as holidays."""

import datetime

from servicecenter.workdays import add_working_days

D = datetime.date


def test_five_working_days_from_a_monday_end_on_the_next_monday():
    assert add_working_days(D(2026, 3, 9), 5) == D(2026, 3, 16)


def test_easter_skips_good_friday_and_easter_monday():
    # Maundy Thursday 2026-04-02; Good Friday 3 April and Easter Monday 6 April are holidays.
    assert add_working_days(D(2026, 4, 2), 1) == D(2026, 4, 7)


def test_midsummer_eve_is_not_a_working_day():
    # Midsummer Eve 2026 is Friday 19 June.
    assert add_working_days(D(2026, 6, 18), 1) == D(2026, 6, 22)


def test_new_year_skips_new_years_eve_new_years_day_and_epiphany():
    # 2026-12-30 is a Wednesday; 31 Dec (eve), 1 Jan, the weekend and 6 Jan are off.
    assert add_working_days(D(2026, 12, 30), 1) == D(2027, 1, 4)
    assert add_working_days(D(2027, 1, 5), 1) == D(2027, 1, 7)


def test_christmas_skips_the_eve_christmas_day_and_boxing_day():
    # 2025-12-23 is a Tuesday; 24, 25 and 26 December are off.
    assert add_working_days(D(2025, 12, 23), 1) == D(2025, 12, 29)


def test_zero_days_from_a_sunday_is_the_monday():
    assert add_working_days(D(2026, 3, 15), 0) == D(2026, 3, 16)


def test_ascension_day_and_national_day_are_holidays():
    # Ascension Day 2026 is Thursday 14 May; National Day 6 June 2027 is a Sunday, 2025 a Friday.
    assert add_working_days(D(2026, 5, 13), 1) == D(2026, 5, 15)
    assert add_working_days(D(2025, 6, 5), 1) == D(2025, 6, 9)
