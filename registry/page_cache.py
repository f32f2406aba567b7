"""Public pages rendered once and served again until the published registry changes.

A search page takes ~20 ms to rank, count and render (seconds for a broad filter the first
time) and a profile ~12 ms; served from here either takes about a millisecond, reading the
generation included. Pages are kept in each worker's memory and, for the other workers, in
the shared cache. A page is kept per address, language and day (profiles say "accessed
<today>", the home page "on this day") under the published generation
(``registry.freshness``): a moderator's change to anything a page shows retires every kept
page at once, so nothing hidden is ever served.

Every page carries a CSRF token (the language switcher is a POST form). Tokens are
per visitor, so a kept page remembers where its tokens were and each visitor gets their own
in their place; a view may name more such values (the submission form's upload key).
"""

import hashlib
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import get_language

from registry.freshness import SHARED_CACHE, published_generation

PAGE_SECONDS = 600
# Part of every key: kept pages outlive a deployment in the shared cache, so a change to
# what ``_kept`` stores must change this, or the new code would read the old shape.
PAGE_FORMAT = 2


@dataclass(frozen=True)
class PerVisitorValue:
    """A value a page writes that must differ for each visitor: where it is (``pattern``,
    its first group) and how to make a new one for a visitor (``make(request)``). Every
    place of one value in a page gets the same new value. ``field`` is what every place of
    it contains: a page where it appears more often than ``pattern`` matched (a template
    that writes the field another way) is not kept, rather than hand one visitor's value
    to everyone."""

    pattern: re.Pattern
    make: Callable
    field: bytes


# What Django's {% csrf_token %} writes; get_token also sets the visitor's cookie if new.
CSRF_TOKEN = PerVisitorValue(
    re.compile(rb'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]*)">'),
    get_token, b'"csrfmiddlewaretoken"')


def cached_public_page(view=None, *, per_visitor: tuple[PerVisitorValue, ...] = (CSRF_TOKEN,)):
    """Keep the view's successful GET answers for every visitor (published content only)."""
    if view is None:  # used as @cached_public_page(per_visitor=…)
        return lambda view: cached_public_page(view, per_visitor=per_visitor)

    @wraps(view)
    def kept_or_rendered(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        key = _page_key(request)
        kept = _kept_page(key) if key else None
        if kept is not None:
            return _response_from(kept, request, per_visitor)
        response = view(request, *args, **kwargs)
        if key and response.status_code == 200 and not response.streaming:
            if hasattr(response, "render"):
                response.render()
            kept = _kept(response, per_visitor)
            if kept is not None:
                _keep_page(key, kept)
        return response

    return kept_or_rendered


def _kept_page(key: str):
    """From this worker's memory, else from the cache all workers share.

    The shared copy spares every other worker the same work: a broad filter's page takes
    seconds to count the first time, and a worker busy with it makes everyone queued behind
    it wait."""
    kept = caches["pages"].get(key)
    if kept is None:
        kept = caches[SHARED_CACHE].get(key)
        if kept is not None:
            caches["pages"].set(key, kept, PAGE_SECONDS)
    return kept


def _keep_page(key: str, kept: tuple) -> None:
    caches["pages"].set(key, kept, PAGE_SECONDS)
    caches[SHARED_CACHE].set(key, kept, PAGE_SECONDS)


def _page_key(request) -> str | None:
    """None when there is no generation to keep pages under (see published_generation)."""
    generation = published_generation()
    if generation is None:
        return None
    # The whole address, host included: pages write absolute links (canonical, citation).
    address = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
    day = timezone.localdate().isoformat()
    return f"page:{PAGE_FORMAT}:{generation}:{day}:{get_language()}:{address}"


def _kept(response: HttpResponse, per_visitor: tuple[PerVisitorValue, ...]) -> tuple | None:
    """(compressed content, [(start, end, which per-visitor value)] in order, headers), or
    None for a page whose per-visitor values cannot all be found."""
    content = response.content
    spans = []
    for number, value in enumerate(per_visitor):
        found = [(*match.span(1), number) for match in value.pattern.finditer(content)]
        if len(found) != content.count(value.field):
            return None
        spans += found
    spans.sort()
    headers = {name: value for name, value in response.headers.items()
               if name.lower() not in ("set-cookie", "vary", "content-length")}
    return zlib.compress(content, 1), spans, headers


def _response_from(kept: tuple, request, per_visitor: tuple[PerVisitorValue, ...]) -> HttpResponse:
    compressed, spans, headers = kept
    content = zlib.decompress(compressed)
    if spans:
        fresh: dict[int, bytes] = {}
        parts, previous = [], 0
        for start, end, number in spans:
            if number not in fresh:
                fresh[number] = per_visitor[number].make(request).encode()
            parts += [content[previous:start], fresh[number]]
            previous = end
        content = b"".join(parts + [content[previous:]])
    response = HttpResponse(content)
    for name, value in headers.items():
        response.headers[name] = value
    return response
