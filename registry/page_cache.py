"""Public pages rendered once and served again until what they show changes.

A search page takes ~20 ms to rank, count and render (seconds for a broad filter the first
time) and a profile ~12 ms; served from here either takes about a millisecond. Pages are
kept in each worker's memory and, for the other workers, in the shared cache, per address,
language and day (profiles say "accessed <today>", the home page "on this day").

What a change retires is decided in ``registry.freshness``. A profile is kept under its own
version. A list of people (search, API, home) remembers the people it shows and the last
change it was rendered after:

- after a change to a person it shows (links, or names: a page that links nobody may
  suggest a surname), it is *retired*: one request renders it again while the others
  asking for it wait for that page (at most ``WAIT_SECONDS``, then they are asked to try
  again), so a broad filter asked by twenty visitors at once is computed once, not twenty
  times side by side;
- after a change to people it does not show, it is *late*: its counts may be one off. It is
  served on while one request looks at it again: when only someone who does not answer its
  query (``answered_by``) was published or hidden, it is unchanged and kept as it is;
  otherwise it is rendered again. A page that took long to render is looked at again at
  most every ``LATE_FACTOR`` times its rendering time;
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

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from registry.budgets import give_back_local, over_local_rate, take_local_turn
from registry.clients import client_address
from registry.freshness import (
    SHARED_CACHE,
    Changes,
    Generation,
    changed_since,
    current_generation,
    profile_version,
)
from registry.middleware import busy_response, come_back_later
from registry.models import Person

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
ONE_AT_A_TIME_SECONDS = 2


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
                       person_page: bool = False, answered_by: Callable | None = None):
    """Keep the view's successful GET answers for every visitor (published content only).

    ``person_page``: the page shows one person (its ``pk`` argument) and its relatives, and
    is kept under that profile's version rather than as a list.
    ``answered_by(request, person_ids)``: whether any of these people, as they are, answer
    the list's query; a list without it is taken to count everyone.
    """
    if view is None:  # used as @cached_public_page(per_visitor=…)
        return lambda view: cached_public_page(view, per_visitor=per_visitor,
                                               person_page=person_page,
                                               answered_by=answered_by)

    @wraps(view)
    def kept_or_rendered(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        generation = current_generation(with_changes=not person_page)
        key = generation and _page_key(request, generation,
                                       kwargs["pk"] if person_page else None)
        if not key:
            return view(request, *args, **kwargs)
        kept = _kept_page(key, generation)
        state, changes = _state(kept, generation)
        if state in (FRESH, SERVED_LATE):
            return _response_from(kept, request, per_visitor)
        if _take_turn(key, everywhere=state != LATE):
            try:
                if (state == LATE and answered_by is not None
                        and not changes.records_changed
                        and not answered_by(request, changes.people)):
                    # Only someone who does not answer its query was published or hidden:
                    # the page is as it would be rendered now.
                    kept = (*kept[:-1], (generation.last_change, *kept[-1][1:]))
                    _keep_page(key, kept)
                    return _response_from(kept, request, per_visitor)
                # One client computes one page at a time (registry/budgets.py): a script
                # asking for many uncached searches at once does not take every core.
                # Counted in this worker's memory: no round trip on a first visit.
                client = client_address(request)
                over = over_local_rate("render", client, settings.REGISTRY_RENDER_RATE)
                own = None if over else take_local_turn(
                    "render", client, settings.REGISTRY_RENDERS_PER_CLIENT)
                if own is None:
                    return _one_at_a_time(request, per_minute=over)
                try:
                    return _render_and_keep(view, request, args, kwargs, key, generation,
                                            per_visitor, person_page)
                finally:
                    give_back_local(own)
            finally:
                _end_turn(key, everywhere=state != LATE)
        # Another request looks at this page now: a late page is served meanwhile, and one
        # retired or never kept is waited for.
        if state != LATE:
            kept = _wait_for(key, generation)
        if kept is None:
            return busy_response(request)
        return _response_from(kept, request, per_visitor)

    return kept_or_rendered


def _one_at_a_time(request, *, per_minute: bool = False) -> HttpResponse:
    """429 for a client whose previous page is still being computed, or who had many
    computed this minute. A browser shows the page again after ``Refresh`` seconds (no
    JavaScript needed): a visitor who clicked twice sees their page a moment later, from
    the kept copy by then."""
    if per_minute:
        seconds, message = 60, _("You have asked for many searches in a short time. This "
                                 "page will load again in a minute.")
    else:
        seconds, message = ONE_AT_A_TIME_SECONDS, _(
            "Your previous search is still being prepared. This page will load again in a "
            "moment.")
    return come_back_later(request, message, seconds=seconds, refresh=True)


def _state(kept, generation: Generation) -> tuple[str | None, Changes | None]:
    """FRESH, SERVED_LATE (late, and may be served so a while yet), LATE (to be looked at
    again: rendered, or found unchanged), or None (not kept, or retired); and the changes
    since it was rendered."""
    if kept is None:
        return None, None
    shown = kept[-1]
    if shown is None:  # a profile: its key holds its version
        return FRESH, None
    last_change, people, seconds = shown
    if last_change == generation.last_change:
        return FRESH, None
    if last_change > generation.last_change:
        # Rendered after changes this request cannot see (a replica a moment behind, a
        # database restored): what it shows is not known to be right.
        return None, None
    changes = changed_since(last_change, generation)
    if changes.since is None:
        return FRESH, changes
    if changes.people & people or not people and _names_anyone(kept, changes.people):
        return None, changes
    if seconds >= EXPENSIVE_SECONDS:
        allowed = min(LATE_SECONDS, LATE_FACTOR * seconds)
        if (timezone.now() - changes.since).total_seconds() < allowed:
            return SERVED_LATE, changes
    return LATE, changes


def _names_anyone(kept: tuple, person_ids) -> bool:
    """Whether a page that links nobody names one of these people's surnames (a "did you
    mean" page suggests surnames, not links)."""
    content = zlib.decompress(kept[0]).decode()
    surnames = Person.objects.filter(pk__in=person_ids).values_list("surname", flat=True)
    return any(surname in content or escape(surname) in content
               for surname in surnames if surname)


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


def _kept_page(key: str, generation: Generation):
    """From this worker's memory, else from the cache all workers share.

    The shared copy spares every other worker the same work: a broad filter's page takes
    seconds to count the first time, and a worker busy with it makes everyone queued behind
    it wait. A list this worker kept before the last change is looked for there too: another
    worker may have found it unchanged, or rendered it again, since."""
    kept = caches["pages"].get(key)
    if kept is None or _mark(kept) < generation.last_change:
        shared = caches[SHARED_CACHE].get(key)
        if shared is not None and (kept is None or _mark(shared) > _mark(kept)):
            kept = shared
            caches["pages"].set(key, kept, PAGE_SECONDS)
    return kept


def _mark(kept: tuple) -> float:
    """The last change a kept list was rendered after (a profile: after every one)."""
    return float("inf") if kept[-1] is None else kept[-1][0]


def _keep_page(key: str, kept: tuple) -> None:
    caches["pages"].set(key, kept, PAGE_SECONDS)
    caches[SHARED_CACHE].set(key, kept, PAGE_SECONDS)


def _take_turn(key: str, *, everywhere: bool = True) -> bool:
    """The turn to render ``key`` (or look at it again), for one request at a time across
    all workers (``everywhere``), or in this worker: a late page is still served to the
    others meanwhile, and a second look from another worker costs little more than asking
    the shared cache whether one is under way."""
    turns = caches[SHARED_CACHE] if everywhere else caches["pages"]
    return turns.add(f"rendering:{key}", 1, TURN_SECONDS)


def _end_turn(key: str, *, everywhere: bool = True) -> None:
    (caches[SHARED_CACHE] if everywhere else caches["pages"]).delete(f"rendering:{key}")


def _wait_for(key: str, generation: Generation):
    """The page another request is rendering, once kept (None after ``WAIT_SECONDS``)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(WAIT_STEP)
        kept = caches[SHARED_CACHE].get(key)
        if _state(kept, generation)[0] is not None:
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
