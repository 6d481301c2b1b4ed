import datetime

from indicators.periods import Period, PeriodKind

D = datetime.date


def test_a_week_runs_from_monday_to_sunday():
    week = Period.containing(PeriodKind.WEEK, D(2026, 12, 2))
    assert (week.date_from, week.date_to) == (D(2026, 11, 30), D(2026, 12, 6))


def test_a_quarter_holds_three_whole_months():
    quarter = Period.containing(PeriodKind.QUARTER, D(2026, 5, 17))
    assert (quarter.date_from, quarter.date_to) == (D(2026, 4, 1), D(2026, 6, 30))


def test_the_month_before_january_is_december_of_the_year_before():
    january = Period.containing(PeriodKind.MONTH, D(2026, 1, 15))
    assert january.previous() == Period(PeriodKind.MONTH, D(2025, 12, 1), D(2025, 12, 31))


def test_the_month_after_december_is_january():
    december = Period.containing(PeriodKind.MONTH, D(2026, 12, 2))
    assert december.following().date_from == D(2027, 1, 1)


def test_a_week_a_year_earlier_has_the_same_week_number():
    week = Period.containing(PeriodKind.WEEK, D(2026, 3, 18))
    assert week.year_earlier().date_from.isocalendar()[1] == D(2026, 3, 18).isocalendar()[1]


def test_week_53_a_year_earlier_is_the_last_week_of_a_52_week_year():
    week_53 = Period.containing(PeriodKind.WEEK, D(2026, 12, 31))
    assert week_53.date_from.isocalendar()[1] == 53
    assert week_53.year_earlier().date_from == D(2025, 12, 22)


def test_chosen_dates_compare_with_as_many_days_just_before():
    chosen = Period(PeriodKind.CUSTOM, D(2026, 3, 10), D(2026, 3, 19))
    assert chosen.previous() == Period(PeriodKind.CUSTOM, D(2026, 2, 28), D(2026, 3, 9))


def test_a_leap_day_a_year_earlier_is_the_28th_of_february():
    chosen = Period(PeriodKind.CUSTOM, D(2028, 2, 29), D(2028, 3, 5))
    assert chosen.year_earlier().date_from == D(2027, 2, 28)


def test_charts_read_weeks_up_to_a_quarter_and_months_beyond():
    assert Period.containing(PeriodKind.QUARTER, D(2026, 5, 1)).time_dimension == "week"
    assert Period.containing(PeriodKind.YEAR, D(2026, 5, 1)).time_dimension == "month"


def test_the_first_days_of_a_month_are_chosen_dates():
    november = Period.containing(PeriodKind.MONTH, D(2026, 11, 20))
    assert november.first_days(2) == Period(PeriodKind.CUSTOM, D(2026, 11, 1), D(2026, 11, 2))
    assert november.first_days(40) == november


def test_chosen_dates_are_named_as_a_swedish_reader_writes_them():
    assert (
        Period(PeriodKind.CUSTOM, D(2026, 3, 30), D(2026, 4, 5)).label == "30 mars – 5 april 2026"
    )
    assert Period(PeriodKind.CUSTOM, D(2025, 12, 20), D(2026, 1, 5)).label == (
        "20 december 2025 – 5 januari 2026"
    )
