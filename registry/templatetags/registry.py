"""Showing partial dates and names the way a reader expects, in the reader's language."""

from django import template
from django.utils import dateformat
from django.utils.translation import gettext as _

from registry.dates import DatePoint, PartialDate, Qualifier

register = template.Library()


def _point(point: DatePoint, *, after_preposition: bool = False) -> str:
    if point.day is not None:
        return dateformat.format(point.first_day, "j E Y")  # 29 October 1937 / 29 октября 1937
    if point.month is not None:
        # A month alone is "Октябрь 1937", but "около/до/после октября 1937": Django's "E"
        # is the month as a date's part (genitive in Russian, the same word in English).
        return dateformat.format(point.first_day, "E Y" if after_preposition else "F Y")
    return str(point.year)


@register.filter
def partial_date(value: PartialDate | None) -> str:
    """``about 1900``, ``October 1937``, ``29 October 1937``, ``1936–1938``."""
    if value is None:
        return ""
    start = _point(value.start)
    qualified = _point(value.start, after_preposition=True)
    match value.qualifier:
        case Qualifier.ABOUT:
            return _("about %(date)s") % {"date": qualified}
        case Qualifier.BEFORE:
            return _("before %(date)s") % {"date": qualified}
        case Qualifier.AFTER:
            return _("after %(date)s") % {"date": qualified}
        case Qualifier.BETWEEN:
            return _("between %(start)s and %(end)s") % {"start": start,
                                                          "end": _point(value.end)}
    return start


def _year(value: PartialDate | None) -> str:
    if value is None:
        return "?"
    return f"~{value.year}" if value.qualifier != Qualifier.EXACT else str(value.year)


@register.filter
def life_years(person) -> str:
    """``1890–1937``, ``~1900–1938``, ``1890–?``: the short form used in lists."""
    if person.birth_date is None and person.death_date is None:
        return ""
    return f"{_year(person.birth_date)}–{_year(person.death_date)}"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with ``changes`` applied and the page reset: ``?q=…&fate=…``."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    for name, value in changes.items():
        if value in (None, ""):
            params.pop(name, None)
        else:
            params[name] = value
    return "?" + params.urlencode()
