"""What people type as dates, and what the registry understands."""

from datetime import date

import pytest

from registry import dates
from registry.dates import Qualifier, parse

CASES = [
    # typed,                 canonical,     lower,              upper
    ("1937",                 "1937",        date(1937, 1, 1),   date(1937, 12, 31)),
    ("10.1937",              "1937-10",     date(1937, 10, 1),  date(1937, 10, 31)),
    ("29.10.1937",           "1937-10-29",  date(1937, 10, 29), date(1937, 10, 29)),
    ("1937-10-29",           "1937-10-29",  date(1937, 10, 29), date(1937, 10, 29)),
    ("2.2.1938",             "1938-02-02",  date(1938, 2, 2),   date(1938, 2, 2)),
    ("29 октября 1937 г.",   "1937-10-29",  date(1937, 10, 29), date(1937, 10, 29)),
    ("29 October 1937",      "1937-10-29",  date(1937, 10, 29), date(1937, 10, 29)),
    ("October 29, 1937",     "1937-10-29",  date(1937, 10, 29), date(1937, 10, 29)),
    ("октябрь 1937",         "1937-10",     date(1937, 10, 1),  date(1937, 10, 31)),
    ("29.X.1937",            "1937-10-29",  date(1937, 10, 29), date(1937, 10, 29)),
    ("1937 года",            "1937",        date(1937, 1, 1),   date(1937, 12, 31)),
    ("около 1900",           "1900~",       date(1898, 1, 1),   date(1902, 12, 31)),
    ("about 1900",           "1900~",       date(1898, 1, 1),   date(1902, 12, 31)),
    ("c. 1900",              "1900~",       date(1898, 1, 1),   date(1902, 12, 31)),
    ("шамамен 1900",         "1900~",       date(1898, 1, 1),   date(1902, 12, 31)),
    ("до 1938",              "../1938",     None,               date(1938, 12, 31)),
    ("before 1938",          "../1938",     None,               date(1938, 12, 31)),
    ("после 1945",           "1945/..",     date(1945, 1, 1),   None),
    ("1936–1938",            "1936/1938",   date(1936, 1, 1),   date(1938, 12, 31)),
    ("1936-1938",            "1936/1938",   date(1936, 1, 1),   date(1938, 12, 31)),
    ("1936 - 1938 гг.",      "1936/1938",   date(1936, 1, 1),   date(1938, 12, 31)),
    ("между 1936 и 1938",    "1936/1938",   date(1936, 1, 1),   date(1938, 12, 31)),
    ("с 05.1936 по 1938",    "1936-05/1938", date(1936, 5, 1),  date(1938, 12, 31)),
    ("between 1936 and 1938", "1936/1938",  date(1936, 1, 1),   date(1938, 12, 31)),
]


@pytest.mark.parametrize(("typed", "canonical", "lower", "upper"), CASES)
def test_typed_dates_are_understood(typed, canonical, lower, upper):
    value = parse(typed)
    assert str(value) == canonical
    assert (value.lower, value.upper) == (lower, upper)


@pytest.mark.parametrize("canonical", sorted({case[1] for case in CASES}))
def test_stored_form_reads_back_unchanged(canonical):
    assert str(parse(canonical)) == canonical


@pytest.mark.parametrize("typed", [case[0] for case in CASES])
def test_form_display_reads_back_to_the_same_date(typed):
    value = parse(typed)
    assert parse(dates.format_typed(value)) == value


@pytest.mark.parametrize(("typed", "code"), [
    ("garbage", "unrecognised"),
    ("тридцать седьмой", "unrecognised"),
    ("31.02.1937", "day_range"),
    ("13.1937", "month_range"),
    ("29.10.37", "two_digit_year"),
    ("1938–1936", "end_before_start"),
    ("0037", "year_range"),
    ("около", "unrecognised"),
    ("1937-13-01", "month_range"),
])
def test_garbage_gets_a_clear_error(typed, code):
    with pytest.raises(dates.PartialDateError) as raised:
        parse(typed)
    assert raised.value.code == code
    assert str(raised.value)  # a message a person can read


@pytest.mark.parametrize("empty", ["", "   ", None])
def test_empty_is_no_date(empty):
    assert parse(empty) is None


def test_qualifiers():
    assert parse("около 1900").qualifier == Qualifier.ABOUT
    assert parse("до 1938").qualifier == Qualifier.BEFORE
    assert parse("1936–1938").end.year == 1938
    assert parse("29.10.1937").is_exact_day
    assert not parse("около 29.10.1937").is_exact_day
