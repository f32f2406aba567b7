"""Downloads of thousands of rows (the CSV export, reading lists as text or CSV) within
limits no single client can exhaust.

Sixteen exports at once from one client took 20–46 s each and made the home page take
19 s for everyone else. Now each client may start ``REGISTRY_DOWNLOAD_RATE`` downloads
(per address, django-ratelimit, counted in the shared cache), and at most
``REGISTRY_DOWNLOADS_AT_ONCE`` are streamed at one time across all workers: a slot in the
shared cache (``registry.budgets``), held until the last byte is sent or the visitor goes
away, and one at a time for each client. Anyone over a limit is asked to come back (429,
``Retry-After``) rather than queued behind a worker that others need.
"""

from functools import wraps

from django.conf import settings
from django.utils.translation import gettext as _
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

from registry.budgets import (
    GivenBackAtTheEnd,
    give_back,
    refused_lately,
    remember_refusal,
    take_slot,
    take_turn,
)
from registry.clients import ip_hash, rate_key
from registry.middleware import come_back_later

RATE_GROUP = "registry.download"
# A slot whose worker died frees itself after this; a download streams in seconds (10,000
# rows of the export, 50,000 names of a reading list).
SLOT_SECONDS = 300
RETRY_AFTER_BUSY = 30
RETRY_AFTER_RATE = 600


def limited_download(view):
    """Count the download for its client and stream it in one of the shared slots."""

    @wraps(view)
    def counted_and_slotted(request, *args, **kwargs):
        client = ip_hash(request)
        reason, held = _places_for(request, client)
        if reason is not None:
            remember_refusal("download", client, reason)
            return _refused(request, reason)
        try:
            response = view(request, *args, **kwargs)
        except BaseException:
            _give_back_all(held)
            raise
        if response.streaming:  # a download: counted (a refused query string is not)
            _downloads_of(request, count_one=True)
            response.streaming_content = GivenBackAtTheEnd(response.streaming_content, *held)
        else:
            _give_back_all(held)
        return response

    return counted_and_slotted


def _places_for(request, client: str) -> tuple[str | None, tuple[str, ...]]:
    """(why the client may not download now, or None; the client's turn and the slot it
    holds when it may)."""
    reason = refused_lately("download", client)
    if reason is not None:
        return reason, ()
    usage = _downloads_of(request, count_one=False)
    if usage["count"] >= usage["limit"]:
        return "rate", ()
    turn = take_turn("download", client, SLOT_SECONDS)
    slot = take_slot("download", settings.REGISTRY_DOWNLOADS_AT_ONCE, SLOT_SECONDS)
    if turn is None or slot is None:
        _give_back_all((turn, slot))
        return "busy", ()
    return None, (turn, slot)


def _give_back_all(keys) -> None:
    for key in keys:
        give_back(key)


def _refused(request, reason: str):
    if reason == "rate":
        seconds, message = RETRY_AFTER_RATE, _(
            "You have downloaded many lists in a short time. Please come back later; "
            "the registry keeps its readers' pages quick for everyone.")
    else:
        seconds, message = RETRY_AFTER_BUSY, _(
            "Other lists are being prepared right now. Please try again in half a minute.")
    return come_back_later(request, message, seconds=seconds,
                           json_paths=("/api/", "/export/"))


def _downloads_of(request, *, count_one: bool) -> dict:
    """django-ratelimit's usage for this client: the downloads it started in the rate's
    window (``count``, one more when ``count_one``) and how many it may (``limit``)."""
    return get_usage(request, group=RATE_GROUP, key=rate_key,
                     rate=settings.REGISTRY_DOWNLOAD_RATE, method=ALL, increment=count_one)
