"""registry.bulk: rows written without model instances must read back like saved ones."""

import datetime

import pytest
from django.db import connection

from registry.bulk import BulkInserter, sqlite_import_settings
from registry.dates import parse
from registry.models import Person, RepressionEvent

pytestmark = pytest.mark.django_db


def test_rows_get_defaults_date_bounds_timestamps_and_one_revision_each():
    people = BulkInserter(Person).insert(
        [{"surname": "Ким", "birth_date": parse("около 1900")},
         {"surname": "Цой", "given_name": "Виктор"}],
        change_reason="a test", returning=True)

    kim, tsoi = Person.objects.get(pk=people[0]), Person.objects.get(pk=people[1])
    assert (kim.given_name, kim.fate, kim.status, kim.external_id) == ("", "unknown",
                                                                       "pending", None)
    assert str(kim.birth_date) == "1900~"
    assert (kim.birth_date_lower, kim.birth_date_upper) == (datetime.date(1898, 1, 1),
                                                            datetime.date(1902, 12, 31))
    assert kim.created_at is not None and kim.updated_at is not None
    assert (tsoi.given_name, tsoi.birth_date, tsoi.birth_date_lower) == ("Виктор", None, None)
    for person in (kim, tsoi):
        (revision,) = person.history.all()
        assert (revision.history_type, revision.history_change_reason) == ("+", "a test")
        assert (revision.surname, revision.birth_date, revision.birth_date_lower) == (
            person.surname, person.birth_date, person.birth_date_lower)


def test_rows_of_one_call_may_carry_different_columns():
    (person_id,) = BulkInserter(Person).insert([{"surname": "Ким"}], change_reason="t",
                                               returning=True)
    BulkInserter(RepressionEvent).insert([
        {"person_id": person_id, "kind": "arrest", "date": parse("29.10.1937"),
         "place_name": "Алма-Ата"},
        {"person_id": person_id, "kind": "sentence", "authority": "тройка НКВД",
         "article": "58-10"},
    ], change_reason="t")

    arrest = RepressionEvent.objects.get(kind="arrest")
    sentence = RepressionEvent.objects.get(kind="sentence")
    assert (arrest.anniversary, arrest.place_name, arrest.authority) == (1029, "Алма-Ата", "")
    assert (sentence.date, sentence.anniversary, sentence.authority) == (None, None,
                                                                         "тройка НКВД")
    assert RepressionEvent.history.filter(history_type="+").count() == 2


def test_an_unknown_key_is_an_error_not_a_silently_lost_value():
    with pytest.raises(ValueError, match="shoe_size"):
        BulkInserter(Person).insert([{"surname": "Ким", "shoe_size": 42}], change_reason="t")
    assert not Person.objects.exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="an SQLite setting")
def test_the_larger_sqlite_cache_lasts_only_for_the_import():
    def cache_size():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return cursor.fetchone()[0]

    before = cache_size()
    with sqlite_import_settings():
        assert cache_size() < 0 and abs(cache_size()) > abs(before)
    assert cache_size() == before
