"""Model fields for partial dates, and for short texts shown as they were written.

``PartialDateField`` keeps a ``registry.dates.PartialDate`` as its canonical text. The
derived fields beside it (bounds, anniversary) are computed from it in ``pre_save``, which
Django calls for ``save()`` and for ``bulk_create()`` alike, so they can never drift from
the date they describe. Filters and ordering use the derived, indexed columns.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.query_utils import DeferredAttribute
from django.utils.translation import gettext_lazy as _

from registry import dates
from registry.text import visible_text

PARTIAL_DATE_ERRORS = {
    "unrecognised": _("“%(text)s” is not a date we understand. Try 1937, 10.1937, "
                      "29.10.1937, about 1900, before 1938 or 1936–1938."),
    "two_digit_year": _("Write the year of “%(text)s” with four digits."),
    "year_range": _("The year %(year)s is outside %(min)s–%(max)s."),
    "month_range": _("There is no month %(month)s."),
    "day_range": _("There is no day %(day)s in month %(month)s of %(year)s."),
    "end_before_start": _("The end %(end)s comes before the start %(start)s."),
}


def parse_or_validation_error(value) -> dates.PartialDate | None:
    """Parse typed text, turning a parse error into a translated ``ValidationError``."""
    if value is None or isinstance(value, dates.PartialDate):
        return value
    try:
        return dates.parse(str(value))
    except dates.PartialDateError as error:
        raise ValidationError(
            PARTIAL_DATE_ERRORS.get(error.code, PARTIAL_DATE_ERRORS["unrecognised"]),
            code=error.code,
            params=error.params or {"text": value},
        ) from error


class PartialDateFormField(forms.CharField):
    def prepare_value(self, value):
        if isinstance(value, dates.PartialDate):
            return dates.format_typed(value)
        return value

    def to_python(self, value):
        return parse_or_validation_error(super().to_python(value) or None)


class _PartialDateAttribute(DeferredAttribute):
    """Assigning text (``person.birth_date = "около 1900"``) stores the parsed date."""

    def __set__(self, instance, value):
        if isinstance(value, str):
            value = dates.parse(value)
        instance.__dict__[self.field.attname] = value


class PartialDateField(models.CharField):
    description = _("A date that may be only a year or a month, or qualified")
    descriptor_class = _PartialDateAttribute

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)
        # The value in Python is a PartialDate, not text: its stored form is always short,
        # so CharField's length check (which measures the Python value) does not apply.
        self.validators[:] = [v for v in self.validators
                              if not isinstance(v, MaxLengthValidator)]

    def from_db_value(self, value, expression, connection):
        return dates.parse(value) if value else None

    def to_python(self, value):
        return parse_or_validation_error(value or None)

    def get_prep_value(self, value):
        value = self.to_python(value)
        return "" if value is None else str(value)

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return "" if value is None else str(value)

    def formfield(self, **kwargs):
        # What a person types ("between 1936 and 1938") may be longer than what is stored.
        return super().formfield(**{"form_class": PartialDateFormField, "max_length": None,
                                    **kwargs})


class _DerivedFromPartialDate:
    """Mixin: a column whose value is computed from a sibling ``PartialDateField``."""

    def __init__(self, *args, source: str, **kwargs):
        self.source = source
        kwargs.setdefault("editable", False)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for default in ("editable", "null", "blank"):
            kwargs.pop(default, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        partial = getattr(model_instance, self.source)
        if isinstance(partial, str):
            partial = parse_or_validation_error(partial or None)
        value = None if partial is None else self.derive(partial)
        setattr(model_instance, self.attname, value)
        return value


class PartialDateLowerField(_DerivedFromPartialDate, models.DateField):
    """The earliest day the sibling date can mean (NULL when open: "before ...")."""

    def derive(self, partial):
        return partial.lower


class PartialDateUpperField(_DerivedFromPartialDate, models.DateField):
    """The latest day the sibling date can mean (NULL when open: "after ...")."""

    def derive(self, partial):
        return partial.upper


class AnniversaryField(_DerivedFromPartialDate, models.PositiveSmallIntegerField):
    """Month * 100 + day of an exact date, for "on this day"; NULL when the day is unknown."""

    def derive(self, partial):
        if not partial.is_exact_day:
            return None
        return partial.start.month * 100 + partial.start.day


class VisibleCharField(models.CharField):
    """A ``CharField`` that never keeps invisible direction controls or zero-width
    characters (``registry.text``): one gate for the families' forms, the admin, the
    import and the moderation services alike. Cleaned in ``to_python`` (which Django's
    ``get_prep_value`` calls for saves, updates and lookups) and in ``pre_save``, so the
    record in memory matches what was stored."""

    def to_python(self, value):
        value = super().to_python(value)
        return visible_text(value) if isinstance(value, str) else value

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = visible_text(value)
            setattr(model_instance, self.attname, value)
        return value
