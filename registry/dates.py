"""Partial dates: what families and archives actually know about when something happened.

A date in the registry may be a year alone, a month of a year, or a full day, and may be
qualified: *about* 1900, *before* 1938, *after* 1945, *between* 1936 and 1938. This module
parses what people type (Russian, Ukrainian, Kazakh, English and German wording; ISO, dotted
and written-out forms), gives each date a sortable lower and upper bound so that ranges
filter correctly, and writes it back in one canonical text form.

The canonical form follows the Library of Congress Extended Date/Time Format (EDTF):
``1937``, ``1937-10``, ``1937-10-29``, ``1900~`` (about), ``../1938`` (before),
``1945/..`` (after), ``1936/1938`` (between). It is what the database stores and what
``parse`` reads back unchanged.

Pure Python: no Django imports, so it is usable from the importer, forms and tests alike.
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

MIN_YEAR = 1700
MAX_YEAR = 2100
# "About 1900" is stored as a window around the year so that a filter for births in
# 1898 still finds a person born "about 1900". Two years either side is the usual
# uncertainty of an age written down from memory in an interrogation record.
APPROXIMATE_YEARS = 2


class Qualifier(StrEnum):
    EXACT = "exact"
    ABOUT = "about"
    BEFORE = "before"
    AFTER = "after"
    BETWEEN = "between"


class PartialDateError(ValueError):
    """Raised for text that is not a date; ``code`` lets a form show a translated message."""

    def __init__(self, code: str, message: str, **params):
        super().__init__(message % params if params else message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class DatePoint:
    """A year, optionally with a month, optionally with a day."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self):
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise PartialDateError(
                "year_range",
                "The year %(year)s is outside %(min)s–%(max)s.",
                year=self.year,
                min=MIN_YEAR,
                max=MAX_YEAR,
            )
        if self.month is not None and not 1 <= self.month <= 12:
            raise PartialDateError("month_range", "There is no month %(month)s.", month=self.month)
        if self.day is not None:
            if self.month is None:
                raise PartialDateError("unrecognised", "A day needs a month.")
            if not 1 <= self.day <= calendar.monthrange(self.year, self.month)[1]:
                raise PartialDateError(
                    "day_range",
                    "There is no day %(day)s in month %(month)s of %(year)s.",
                    day=self.day,
                    month=self.month,
                    year=self.year,
                )

    @property
    def first_day(self) -> date:
        return date(self.year, self.month or 1, self.day or 1)

    @property
    def last_day(self) -> date:
        month = self.month or 12
        return date(self.year, month, self.day or calendar.monthrange(self.year, month)[1])

    def __str__(self) -> str:
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        return text


@dataclass(frozen=True)
class PartialDate:
    """A possibly imprecise, possibly qualified date; see the module docstring."""

    start: DatePoint
    qualifier: Qualifier = Qualifier.EXACT
    end: DatePoint | None = None

    def __post_init__(self):
        if (self.qualifier == Qualifier.BETWEEN) != (self.end is not None):
            raise PartialDateError("unrecognised", "Only a 'between' date has an end.")
        if self.end is not None and self.end.last_day < self.start.first_day:
            raise PartialDateError(
                "end_before_start", "The end %(end)s comes before the start %(start)s.",
                end=str(self.end), start=str(self.start),
            )

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def is_exact_day(self) -> bool:
        return self.qualifier == Qualifier.EXACT and self.start.day is not None

    @property
    def lower(self) -> date | None:
        """The earliest day this date can mean; ``None`` when open-ended (before ...)."""
        if self.qualifier == Qualifier.BEFORE:
            return None
        if self.qualifier == Qualifier.AFTER:
            return self.start.first_day
        if self.qualifier == Qualifier.ABOUT:
            return date(max(MIN_YEAR, self.start.year - APPROXIMATE_YEARS), 1, 1)
        return self.start.first_day

    @property
    def upper(self) -> date | None:
        """The latest day this date can mean; ``None`` when open-ended (after ...)."""
        if self.qualifier == Qualifier.AFTER:
            return None
        if self.qualifier == Qualifier.ABOUT:
            return date(min(MAX_YEAR, self.start.year + APPROXIMATE_YEARS), 12, 31)
        if self.end is not None:
            return self.end.last_day
        return self.start.last_day

    def __str__(self) -> str:
        start = str(self.start)
        match self.qualifier:
            case Qualifier.ABOUT:
                return f"{start}~"
            case Qualifier.BEFORE:
                return f"../{start}"
            case Qualifier.AFTER:
                return f"{start}/.."
            case Qualifier.BETWEEN:
                return f"{start}/{self.end}"
        return start


# --- parsing -------------------------------------------------------------------------

# Words are matched after lower-casing; each list mixes the languages families write in.
_ABOUT_WORDS = (
    "approximately", "approx.", "approx", "about", "circa", "ca.", "ca", "c.", "around",
    "приблизительно", "примерно", "прибл.", "около", "ок.", "приблизно", "близько", "бл.",
    "шамамен", "шам.", "etwa", "um", "ungefähr", "ок",
)
_BEFORE_WORDS = (
    "not later than", "no later than", "before", "by", "не позднее", "не позже", "до",
    "раньше", "не пізніше", "перед", "дейін", "vor", "bis",
)
_AFTER_WORDS = (
    "not earlier than", "no earlier than", "after", "since", "не ранее", "не раньше",
    "после", "позднее", "не раніше", "після", "кейін", "nach", "seit",
)
_BETWEEN_PATTERNS = (
    r"between (?P<a>.+?) and (?P<b>.+)",
    r"from (?P<a>.+?) to (?P<b>.+)",
    r"между (?P<a>.+?) и (?P<b>.+)",
    r"с (?P<a>.+?) по (?P<b>.+)",
    r"с (?P<a>.+?) до (?P<b>.+)",
    r"від (?P<a>.+?) до (?P<b>.+)",
    r"між (?P<a>.+?) і (?P<b>.+)",
    r"zwischen (?P<a>.+?) und (?P<b>.+)",
    r"von (?P<a>.+?) bis (?P<b>.+)",
    r"(?P<a>.+?)\s*–\s*(?P<b>.+)",
    r"(?P<a>.+?) - (?P<b>.+)",
    r"(?P<a>\d{4})-(?P<b>\d{4})",
    r"(?P<a>[^/]+)/(?P<b>[^/]+)",
)
# Month stems: a written month matches the first stem it starts with. Russian and
# Ukrainian genitive forms ("октября", "жовтня") share the stems.
_MONTH_STEMS = {
    1: ("jan", "январ", "янв", "січ", "қаңтар", "jän"),
    2: ("feb", "феврал", "фев", "лют", "ақпан"),
    3: ("mar", "mär", "март", "мар", "берез", "наурыз"),
    4: ("apr", "апрел", "апр", "квіт", "сәуір"),
    5: ("may", "mai", "мая", "май", "трав", "мамыр"),
    6: ("jun", "июн", "черв", "маусым"),
    7: ("jul", "июл", "лип", "шілде"),
    8: ("aug", "август", "авг", "серп", "тамыз"),
    9: ("sep", "сентябр", "сен", "верес", "қыркүйек"),
    10: ("oct", "okt", "октябр", "окт", "жовт", "қазан"),
    11: ("nov", "ноябр", "ноя", "листоп", "қараша"),
    12: ("dec", "dez", "декабр", "дек", "груд", "желтоқсан"),
}
_ROMAN_MONTHS = {
    numeral: month
    for month, numeral in enumerate(
        ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"), start=1
    )
}
# Trailing words meaning "year" that archives append: "1937 г.", "1937 года", "1937 жылы".
_YEAR_SUFFIX = re.compile(
    r"\s*(?:гг?\.?|года?|году|год|рр?\.?|року|рік|ж\.|жылы|jahr|yr\.?)$"
)
_DASHES = re.compile(r"[‐‑‒–—―−]")


def whole_years_between(birth: PartialDate | None, death: PartialDate | None) -> int | None:
    """Age at death in whole years, only when both dates are exact to the day: an age
    said aloud from "1900" or "about 1900" could be wrong by a year or more."""
    if birth is None or death is None or not (birth.is_exact_day and death.is_exact_day):
        return None
    born, died = birth.start.first_day, death.start.first_day
    return died.year - born.year - ((died.month, died.day) < (born.month, born.day))


def parse(text: str | None) -> PartialDate | None:
    """Parse what a person typed into a ``PartialDate``; empty text gives ``None``.

    Raises ``PartialDateError`` with a ``code`` for anything that is not a date.
    """
    if text is None:
        return None
    return _parse_cached(text)


# Lists of the repressed repeat the same dates thousands of times (a troika sat on one
# day for hundreds of people), and PartialDate is immutable, so parsed values are shared.
@functools.lru_cache(maxsize=65_536)
def _parse_cached(text: str) -> PartialDate | None:
    cleaned = _clean(text)
    if not cleaned:
        return None
    return _parse_qualified(cleaned, original=text.strip())


def _clean(text: str) -> str:
    cleaned = _DASHES.sub("–", text.strip().lower())
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" ,;")
    return cleaned


def _parse_qualified(text: str, original: str) -> PartialDate:
    # The canonical EDTF forms first, so that stored values always read back.
    if text.startswith("../"):
        return PartialDate(_parse_point(text[3:], original), Qualifier.BEFORE)
    if text.endswith("/.."):
        return PartialDate(_parse_point(text[:-3], original), Qualifier.AFTER)
    if text.endswith(("~", "?")):
        return PartialDate(_parse_point(text[:-1], original), Qualifier.ABOUT)
    if text.startswith("~"):
        return PartialDate(_parse_point(text[1:], original), Qualifier.ABOUT)

    for qualifier, words in (
        (Qualifier.ABOUT, _ABOUT_WORDS),
        (Qualifier.BEFORE, _BEFORE_WORDS),
        (Qualifier.AFTER, _AFTER_WORDS),
    ):
        rest = _strip_leading_word(text, words)
        if rest is not None:
            return PartialDate(_parse_point(rest, original), qualifier)

    try:
        return PartialDate(_parse_point(text, original))
    except PartialDateError as error:
        not_a_point = error
    for pattern in _BETWEEN_PATTERNS:
        match = re.fullmatch(pattern, text)
        if match:
            start = _parse_point(match["a"], original)
            end = _parse_point(match["b"], original)
            return PartialDate(start, Qualifier.BETWEEN, end)
    raise not_a_point


def _strip_leading_word(text: str, words: tuple[str, ...]) -> str | None:
    for word in sorted(words, key=len, reverse=True):
        if text.startswith(word):
            rest = text[len(word):]
            # "c." and "ca." may touch the year ("c.1900"); whole words need a space.
            if word.endswith(".") or rest.startswith(" "):
                rest = rest.strip()
                if rest:
                    return rest
    return None


def _parse_point(text: str, original: str) -> DatePoint:
    text = _YEAR_SUFFIX.sub("", text.strip()).strip(" ,.")
    for pattern, build in _POINT_PATTERNS:
        match = re.fullmatch(pattern, text)
        if match:
            return build(match)
    if re.fullmatch(r"\d{1,2}[./]\d{1,2}[./]\d{2}", text):
        raise PartialDateError(
            "two_digit_year", "Write the year of “%(text)s” with four digits.", text=original
        )
    raise PartialDateError("unrecognised", "“%(text)s” is not a date.", text=original)


def _month_from_word(word: str) -> int:
    word = word.strip(".")
    if word in _ROMAN_MONTHS:
        return _ROMAN_MONTHS[word]
    if word.isdecimal():  # not isdigit(): superscripts such as "²" are digits int() refuses
        return int(word)
    for month, stems in _MONTH_STEMS.items():
        if any(word.startswith(stem) for stem in stems):
            return month
    raise PartialDateError("unrecognised", "“%(text)s” is not a month.", text=word)


_MONTH = r"(?P<month>\d{1,2}|[ivx]{1,4}|[^\W\d_]{3,}\.?)"
_POINT_PATTERNS = (
    (r"(?P<year>\d{4})", lambda m: DatePoint(int(m["year"]))),
    (
        r"(?P<year>\d{4})-(?P<month>\d{1,2})",
        lambda m: DatePoint(int(m["year"]), int(m["month"])),
    ),
    (
        r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})",
        lambda m: DatePoint(int(m["year"]), int(m["month"]), int(m["day"])),
    ),
    (
        rf"{_MONTH}[./ ]\s*(?P<year>\d{{4}})",
        lambda m: DatePoint(int(m["year"]), _month_from_word(m["month"])),
    ),
    (
        rf"(?P<day>\d{{1,2}})[./ -]\s*{_MONTH}[./ -]\s*(?P<year>\d{{4}})",
        lambda m: DatePoint(int(m["year"]), _month_from_word(m["month"]), int(m["day"])),
    ),
    (  # English order: "October 29, 1937"
        r"(?P<month>[^\W\d_]{3,}\.?) (?P<day>\d{1,2}),? (?P<year>\d{4})",
        lambda m: DatePoint(int(m["year"]), _month_from_word(m["month"]), int(m["day"])),
    ),
)


def format_typed(value: PartialDate) -> str:
    """Write a date the way a person would type it, in a form ``parse`` reads back.

    Used to fill form fields: a moderator sees ``29.10.1937`` or ``about 1900`` rather
    than the stored ``1937-10-29`` / ``1900~``.
    """

    def point(p: DatePoint) -> str:
        if p.day is not None:
            return f"{p.day:02d}.{p.month:02d}.{p.year}"
        if p.month is not None:
            return f"{p.month:02d}.{p.year}"
        return str(p.year)

    match value.qualifier:
        case Qualifier.ABOUT:
            return f"about {point(value.start)}"
        case Qualifier.BEFORE:
            return f"before {point(value.start)}"
        case Qualifier.AFTER:
            return f"after {point(value.start)}"
        case Qualifier.BETWEEN:
            return f"{point(value.start)}–{point(value.end)}"
    return point(value.start)
