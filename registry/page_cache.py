"""Public pages rendered once and served again until what they show changes.

A search page takes ~20 ms to rank, count and render (seconds for a broad filter the first
time) and a profile ~12 ms; served from here either takes about a millisecond. Pages are
kept in each worker's memory and, for the other workers, in the shared cache, per address,
language and day (profiles say "accessed <today>", the home page "on this day").

What a change retires is decided in ``registry.freshness``. A profile is kept under its own
version. A list of people (search, API, home) remembers the people it shows and the last
change it was rendered after:

- after a change to a person it shows (or any change, for a page that links nobody), it
  is *retired*: one request renders it again while the others asking for it wait for that
  page (at most ``WAIT_SECONDS``, then they are asked to try again), so a broad filter
  asked by twenty visitors at once is computed once, not twenty times side by side;
- after a change only to people it does not show, it is *late*: its counts may be one off.
  It is served on while one request renders it again, and a page that took long to render
  is rendered again at most every ``LATE_FACTOR`` times its rendering time;
- after nothing, it is served as kept.

Every page carries a CSRF token (the language switcher is a POST form). Tokens are
per visitor, so a kept page remembers where its tokens were and each visitor gets their own
in their place; a view may name more such values (the submission form's upload key).
"""

import hashlib
import re
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import get_language

from registry.freshness import (
    SHARED_CACHE,
    Generation,
    changed_since,
    current_generation,
    profile_version,
)
from registry.middleware import busy_response

PAGE_SECONDS = 600
# Part of every key: kept pages outlive a deployment in the shared cache, so a change to
# what ``_kept`` stores must change this, or the new code would read the old shape.
PAGE_FORMAT = 3
# How long a request waits for another one rendering the same page, and how long a turn to
# render lasts if the request that took it dies (a visitor's SQL statements stop sooner:
# settings.REGISTRY_VISITOR_STATEMENT_TIMEOUT).
WAIT_SECONDS = 5
WAIT_STEP = 0.05
TURN_SECONDS = 20
# A late page that took at least EXPENSIVE_SECONDS to render is served late for up to
# LATE_FACTOR times that (at most LATE_SECONDS) before it is rendered again: a broad
# filter's counts, seconds to make, are not made again after every publication.
EXPENSIVE_SECONDS = 0.5
LATE_FACTOR = 10
LATE_SECONDS = 60
# How a page links a person it shows (profiles, the API's "url"): what it must not show
# once that person changed.
PERSON_LINK = re.compile(rb"/people/(\d+)/")

FRESH, LATE, SERVED_LATE = "fresh", "late", "served late"


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


def cached_public_page(view=None, *, per_visitor: tuple[PerVisitorValue, ...] = (CSRF_TOKEN,),
                       person_page: bool = False):
    """Keep the view's successful GET answers for every visitor (published content only).

    ``person_page``: the page shows one person (its ``pk`` argument) and its relatives, and
    is kept under that profile's version rather than as a list.
    """
    if view is None:  # used as @cached_public_page(per_visitor=…)
        return lambda view: cached_public_page(view, per_visitor=per_visitor,
                                               person_page=person_page)

    @wraps(view)
    def kept_or_rendered(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        generation = current_generation()
        key = generation and _page_key(request, generation,
                                       kwargs["pk"] if person_page else None)
        if not key:
            return view(request, *args, **kwargs)
        kept = _kept_page(key)
        state = _state(kept, generation)
        if state in (FRESH, SERVED_LATE):
            return _response_from(kept, request, per_visitor)
        if _take_turn(key):
            try:
                return _render_and_keep(view, request, args, kwargs, key, generation,
                                        per_visitor, person_page)
            finally:
                _end_turn(key)
        # Another request renders this page now: a late page is served meanwhile, and one
        # retired or never kept is waited for.
        if state != LATE:
            kept = _wait_for(key, generation)
        if kept is None:
            return busy_response(request)
        return _response_from(kept, request, per_visitor)

    return kept_or_rendered


def _state(kept, generation: Generation) -> str | None:
    """FRESH, SERVED_LATE (late, and may be served so a while yet), LATE (to be rendered
    again), or None (not kept, or retired)."""
    if kept is None:
        return None
    shown = kept[-1]
    if shown is None:  # a profile: its key holds its version
        return FRESH
    last_change, people, seconds = shown
    if last_change == generation.last_change:
        return FRESH
    if last_change > generation.last_change:
        # Rendered after changes this request cannot see (a replica a moment behind, a
        # database restored): what it shows is not known to be right.
        return None
    changed, since = changed_since(last_change)
    # A page that links nobody may still name someone (a "did you mean" surname): what it
    # shows is not known, so any change retires it. Such pages are cheap to render.
    if changed and (changed & people or not people):
        return None
    if since is None:
        return FRESH
    if seconds >= EXPENSIVE_SECONDS:
        allowed = min(LATE_SECONDS, LATE_FACTOR * seconds)
        if (timezone.now() - since).total_seconds() < allowed:
            return SERVED_LATE
    return LATE


def _render_and_keep(view, request, args, kwargs, key, generation, per_visitor,
                     person_page):
    started = time.perf_counter()
    response = view(request, *args, **kwargs)
    if response.status_code == 200 and not response.streaming:
        if hasattr(response, "render"):
            response.render()
        kept = _kept(response, per_visitor)
        if kept is not None:
            shown = None if person_page else (
                generation.last_change,
                frozenset(int(pk) for pk in PERSON_LINK.findall(response.content)),
                time.perf_counter() - started)
            _keep_page(key, (*kept, shown))
    return response


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


def _take_turn(key: str) -> bool:
    """The turn to render ``key``, for one request across all workers at a time."""
    return caches[SHARED_CACHE].add(f"rendering:{key}", 1, TURN_SECONDS)


def _end_turn(key: str) -> None:
    caches[SHARED_CACHE].delete(f"rendering:{key}")


def _wait_for(key: str, generation: Generation):
    """The page another request is rendering, once kept (None after ``WAIT_SECONDS``)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(WAIT_STEP)
        kept = caches[SHARED_CACHE].get(key)
        if _state(kept, generation) is not None:
            return kept
    return None


def _page_key(request, generation: Generation, person: int | None) -> str | None:
    """Where the page is kept: a list under the generation of everything, a profile under
    its version too (None: no such person, nothing to keep)."""
    if person is None:
        scope = "list"
    else:
        version = profile_version(person)
        if version is None:
            return None
        scope = f"person:{person}:{version}"
    # The whole address, host included: pages write absolute links (canonical, citation).
    address = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
    day = timezone.localdate().isoformat()
    return (f"page:{PAGE_FORMAT}:{generation.everything}:{scope}:{day}:{get_language()}:"
            f"{address}")


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
    compressed, spans, headers, _shown = kept
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
