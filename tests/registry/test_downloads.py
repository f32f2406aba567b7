"""No single client can take the registry down with downloads.

Sixteen CSV exports at once from one client took 20–46 s each and made everyone else's
home page take 19 s. A client may now start only so many downloads an hour, and only a
few are streamed at once across all workers; anyone over a limit is asked, politely and
with ``Retry-After``, to come back.
"""

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client

from registry.budgets import give_back, take_slot
from tests.factories import PublishedPersonFactory

pytestmark = pytest.mark.django_db

EXPORT = "/export/people.csv"
READING = "/reading/list.txt?fate=executed"


@pytest.fixture(autouse=True)
def registry():
    PublishedPersonFactory(surname="Сейфуллин", given_name="Сакен", fate="executed",
                           death_date="1938-02-25")


def visitor(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def downloaded(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)  # to the last byte: the slot is given back


def test_a_client_may_start_only_so_many_downloads_an_hour(settings):
    settings.REGISTRY_DOWNLOAD_RATE = "2/h"
    reader = visitor("192.0.2.1")
    assert "Сейфуллин" in downloaded(reader.get(EXPORT)).decode()
    # A query string refused before any row is read is not counted.
    assert reader.get(EXPORT, {"birth_year_min": "0"}).status_code == 400
    downloaded(reader.get(READING))

    refused = reader.get(EXPORT)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "come back later" in refused.json()["error"]
    page = reader.get(READING)
    assert page.status_code == 429 and "come back later" in page.content.decode()
    # Everyone else downloads as before.
    assert "Сейфуллин" in downloaded(visitor("198.51.100.2").get(EXPORT)).decode()


def test_only_so_many_downloads_stream_at_once_and_each_gives_its_place_back(settings):
    settings.REGISTRY_DOWNLOADS_AT_ONCE = 1
    # A download under way elsewhere (another worker) holds the site's one place.
    elsewhere = take_slot("download", 1, 60)

    busy = visitor("198.51.100.2").get(READING)
    assert busy.status_code == 429 and busy["Retry-After"] == "30"
    assert "try again in half a minute" in busy.content.decode()

    give_back(elsewhere)
    streaming = visitor("192.0.2.1").get(EXPORT)  # holds the place to its last byte
    assert busy_now()
    assert "Сейфуллин" in downloaded(streaming).decode()
    assert "Сейфуллин" in downloaded(visitor("198.51.100.5").get(READING)).decode()
    # A visitor who goes away before the first byte gives the place back too.
    gone_away(visitor("203.0.113.3").get(EXPORT))
    downloaded(visitor("198.51.100.6").get(EXPORT))


def gone_away(response) -> None:
    """The server closes a response whose visitor left before reading it. (As Django's
    test client does for the responses it ends itself: closing one sends
    ``request_finished``, whose handler would close the test's own database connection.)"""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def busy_now() -> bool:
    from django.core.cache import caches

    return caches["shared"].get("slot:download:0") is not None


def test_one_client_streams_one_download_at_a_time():
    reader = visitor("192.0.2.9")
    first = reader.get(EXPORT)

    second = reader.get(READING)

    assert second.status_code == 429
    gone_away(first)
