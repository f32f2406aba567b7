"""The shared cache kept in the database: what kept pages, turns and rate limits rely on."""

import time

import pytest
from django.core.cache import caches

from registry.shared_cache import CULL_EVERY, SharedDatabaseCache

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared():
    cache = caches["shared"]
    if not isinstance(cache, SharedDatabaseCache):
        pytest.skip("the shared cache is Redis here")
    cache.clear()
    return cache


def test_a_value_written_is_read_back_and_replaced(shared):
    shared.set("page", {"body": "Байтурсынов"}, 60)
    shared.set("page", {"body": "Дулатов"}, 60)

    assert shared.get("page") == {"body": "Дулатов"}
    assert shared.get("missing", "none") == "none"


def test_only_one_worker_takes_a_turn_until_it_expires(shared):
    assert shared.add("turn", 1, 1) is True
    assert shared.add("turn", 2, 1) is False  # someone computes the page already
    assert shared.get("turn") == 1

    time.sleep(2.1)  # expiry is kept to the second

    assert shared.add("turn", 3, 60) is True  # the first worker died: the turn passes on
    assert shared.get("turn") == 3


def test_an_entry_without_timeout_stays(shared):
    shared.set("generation", "abc", None)

    assert shared.get("generation") == "abc"
    assert shared.add("generation", "other", None) is False


def test_the_table_is_culled_back_under_its_limit(shared):
    cache = SharedDatabaseCache(shared._table, {"OPTIONS": {"MAX_ENTRIES": 50,
                                                            "CULL_FREQUENCY": 2}})
    for number in range(CULL_EVERY + 2):
        cache.set(f"page-{number}", number, 60)

    kept = sum(1 for number in range(CULL_EVERY + 2) if cache.has_key(f"page-{number}"))
    # Counted on the first write and the 101st: 100 entries, over 50, halved then.
    assert kept == CULL_EVERY // 2 + 2
