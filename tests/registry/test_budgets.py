"""One client cannot take every core with searches no kept page answers.

A script asking for many uncached searches at once, or page after page, once kept both
cores busy and everyone else's pages waited seconds (bench/hostile.py). A client now has
one such page computed at a time and a few dozen a minute in each worker; beyond, it is
asked to wait a moment, by a page that loads itself again (no JavaScript needed) or a
JSON error with ``Retry-After``. Kept pages are served as before.
"""

import pytest
from django.test import Client

from registry.budgets import give_back_local, per_period, take_local_turn
from tests.factories import PublishedPersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def registry():
    PublishedPersonFactory(surname="Сейфуллин", given_name="Сакен")


def test_a_client_computing_a_page_is_asked_to_wait_for_another(settings):
    script = Client(REMOTE_ADDR="192.0.2.1")
    busy = take_local_turn("render", "192.0.2.1", settings.REGISTRY_RENDERS_PER_CLIENT)
    try:
        page = script.get("/search/", {"q": "Сейфуллин"})
        assert page.status_code == 429 and page["Refresh"] == page["Retry-After"] == "2"
        assert "still being prepared" in page.content.decode()
        assert script.get("/api/v1/people/", {"q": "Сейфуллин"}).json()["error"]
        # Another visitor is not held up by it.
        other = Client(REMOTE_ADDR="198.51.100.2").get("/search/", {"q": "Сейфуллин"})
        assert other.status_code == 200
        # A page already kept is served to the busy client as to anyone.
        assert script.get("/search/", {"q": "Сейфуллин"}).status_code == 200
    finally:
        give_back_local(busy)
    assert script.get("/search/", {"q": "Сакен"}).status_code == 200


def test_a_client_has_only_so_many_pages_computed_a_minute(settings):
    settings.REGISTRY_RENDER_RATE = "3/m"
    script = Client(REMOTE_ADDR="192.0.2.3")
    for word in ("Сейфуллин", "Сакен", "Saken"):
        assert script.get("/search/", {"q": word}).status_code == 200

    refused = script.get("/search/", {"q": "Seifullin"})

    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    assert "many searches in a short time" in refused.content.decode()
    assert script.get("/search/", {"q": "Сакен"}).status_code == 200  # kept: not counted
    assert Client(REMOTE_ADDR="198.51.100.4").get(
        "/search/", {"q": "Seifullin"}).status_code == 200


def test_rates_are_read_as_django_ratelimit_writes_them():
    assert per_period("30/m") == (30, 60)
    assert per_period("5/10m") == (5, 600)
    assert per_period("100000/h") == (100000, 3600)
    with pytest.raises(ValueError):
        per_period("thirty a minute")
