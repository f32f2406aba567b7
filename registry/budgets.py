"""How much costly work runs at once: in all, and for one client.

Two cores serve every visitor. Decoding a large photograph, streaming a download or
computing a search that no kept page answers each takes a core for up to seconds; a client
that asks for many at once (a hostile one, or a script) would take both, and every other
visitor would wait behind it (bench/hostile.py measured a home page at 15 s). So each kind
of costly work runs in a limited number of *slots* shared by all workers (entries of the
shared cache, taken with ``add`` and given back when the work ends; a slot whose worker
died frees itself after ``seconds``), and a client holds at most one *turn* of each kind.
What finds no free slot is refused at once with a way back (429, ``Retry-After``), never
queued on a thread that others need; a client just refused is refused again for a moment
from the worker's memory, without asking the database (a script retrying in a loop sent
150 requests a second).
"""

import re
import threading
import time

from django.core.cache import caches
from django.utils.crypto import get_random_string

from registry.freshness import SHARED_CACHE


def take_slot(kind: str, count: int, seconds: int) -> str | None:
    """One of ``count`` slots of ``kind`` (its key, to give back), or None when all are
    taken."""
    shared = caches[SHARED_CACHE]
    holder = get_random_string(12)
    for number in range(count):
        key = f"slot:{kind}:{number}"
        if shared.add(key, holder, seconds):
            return key
    return None


def take_turn(kind: str, client: str, seconds: int) -> str | None:
    """The client's one turn of ``kind`` (its key), or None while it holds it already."""
    key = f"turn:{kind}:{client}"
    return key if caches[SHARED_CACHE].add(key, 1, seconds) else None


REFUSAL_MEMORY_SECONDS = 1  # less than any Retry-After we send


def remember_refusal(kind: str, client: str, reason: str) -> None:
    caches["default"].set(f"refused:{kind}:{client}", reason, REFUSAL_MEMORY_SECONDS)


def refused_lately(kind: str, client: str) -> str | None:
    """The reason this worker refused the client ``kind`` of work a moment ago, if it did."""
    return caches["default"].get(f"refused:{kind}:{client}")


def give_back(key: str | None) -> None:
    if key is not None:
        caches[SHARED_CACHE].delete(key)


class GivenBackAtTheEnd:
    """A streamed response's content, then its slots given back: at the last byte, or
    when the server closes the response (the visitor went away, maybe before the first
    byte: a generator's ``finally`` would not run then)."""

    def __init__(self, content, *keys: str):
        self._content, self._keys = iter(content), keys

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self._content)
        except StopIteration:
            self.close()
            raise

    def close(self) -> None:
        for key in self._keys:
            give_back(key)
        self._keys = ()


# --- in this worker only ---------------------------------------------------------------
# For work asked on every first visit (a search no kept page answers), the shared cache's
# round trips would cost each visitor a millisecond or two; counted in the worker's own
# memory, a client gets the limit once per worker, which still bounds it.

_local_turns: dict[str, int] = {}
_local_lock = threading.Lock()
RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def take_local_turn(kind: str, client: str, limit: int) -> str | None:
    """One of the client's ``limit`` turns of ``kind`` in this worker, or None."""
    key = f"{kind}:{client}"
    with _local_lock:
        if _local_turns.get(key, 0) >= limit:
            return None
        _local_turns[key] = _local_turns.get(key, 0) + 1
    return key


def give_back_local(key: str | None) -> None:
    if key is None:
        return
    with _local_lock:
        left = _local_turns.get(key, 0) - 1
        if left > 0:
            _local_turns[key] = left
        else:
            _local_turns.pop(key, None)


def over_local_rate(kind: str, client: str, rate: str) -> bool:
    """Count one for the client in this worker; True once past ``rate`` ("30/m",
    django-ratelimit's syntax) in the current window."""
    count, seconds = per_period(rate)
    window = int(time.time() // seconds)
    key = f"rate:{kind}:{client}:{window}"
    local = caches["default"]
    local.add(key, 0, seconds)
    try:
        return local.incr(key) > count
    except ValueError:  # expired between the two calls: a new window
        local.set(key, 1, seconds)
        return False


def per_period(rate: str) -> tuple[int, int]:
    """("30/m") -> (30, 60): how many, in how many seconds."""
    found = RATE.match(rate.strip())
    if not found:
        raise ValueError(f"not a rate: {rate!r} (e.g. 30/m, 5/10m)")
    count, multiple, unit = found.groups()
    return int(count), int(multiple or 1) * PERIODS[unit]
