"""Downloads of thousands of rows (the CSV export, reading lists as text or CSV) within
limits no single client can exhaust.

Sixteen exports at once from one client took 20–46 s each and made the home page take
19 s for everyone else. Now each client may start ``REGISTRY_DOWNLOAD_RATE`` downloads
(per address, django-ratelimit, counted in the shared cache), and at most
``REGISTRY_DOWNLOADS_AT_ONCE`` are streamed at one time across all workers: a slot in the
shared cache, held until the last byte is sent or the visitor goes away. Anyone over
either limit is asked to come back (429, ``Retry-After``) rather than queued behind a
worker that others need.
"""

from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

from registry.freshness import SHARED_CACHE
from registry.views.submit import client_address

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
        usage = _downloads_of(request, count_one=False)
        if usage["count"] >= usage["limit"]:
            return _come_back(request, RETRY_AFTER_RATE, _(
                "You have downloaded many lists in a short time. Please come back later; "
                "the registry keeps its readers' pages quick for everyone."))
        slot = _take_slot()
        if slot is None:
            return _come_back(request, RETRY_AFTER_BUSY, _(
                "Other lists are being prepared right now. Please try again in half a "
                "minute."))
        try:
            response = view(request, *args, **kwargs)
        except BaseException:
            _free(slot)
            raise
        if response.streaming:  # a download: counted (a refused query string is not)
            _downloads_of(request, count_one=True)
            response.streaming_content = _Freeing(response.streaming_content, slot)
        else:
            _free(slot)
        return response

    return counted_and_slotted


def _downloads_of(request, *, count_one: bool) -> dict:
    """django-ratelimit's usage for this client: the downloads it started in the rate's
    window (``count``, one more when ``count_one``) and how many it may (``limit``)."""
    return get_usage(request, group=RATE_GROUP, key=_client,
                     rate=settings.REGISTRY_DOWNLOAD_RATE, method=ALL, increment=count_one)


def _client(group, request) -> str:
    return client_address(request)


def _take_slot() -> str | None:
    shared = caches[SHARED_CACHE]
    holder = get_random_string(12)
    for number in range(settings.REGISTRY_DOWNLOADS_AT_ONCE):
        key = f"download-slot:{number}"
        if shared.add(key, holder, SLOT_SECONDS):
            return key
    return None


def _free(slot: str) -> None:
    caches[SHARED_CACHE].delete(slot)


class _Freeing:
    """The content, then the slot given back: at the last byte, or when the server closes
    the response (the visitor went away, maybe before the first byte: a generator's
    ``finally`` would not run then)."""

    def __init__(self, content, slot: str):
        self._content, self._slot = iter(content), slot

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self._content)
        except StopIteration:
            self.close()
            raise

    def close(self) -> None:
        if self._slot is not None:
            _free(self._slot)
            self._slot = None


def _come_back(request, seconds: int, message: str):
    if request.path.startswith(("/api/", "/export/")):
        response = JsonResponse({"error": message}, status=429,
                                json_dumps_params={"ensure_ascii": False})
    else:
        response = render(request, "503.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response
