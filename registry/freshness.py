"""When what the public sees last changed, and what each change can have changed.

Pages, counts and other answers computed from published records are kept (see
``registry.page_cache``); a moderator's change must reach every worker at once. A
publication must not retire every kept page, though: on the busiest day the moderators
publish every few seconds, and a registry that computes every page afresh after each of
them collapses (docs/performance.md, "Load while moderators publish"). So a change retires
only what it can have changed:

- A change to a record no visitor can see (a pending person, its events, a submission)
  changes nothing public.
- A change to one person's public face (published, hidden, merged, corrected, or one of
  its names, events, photos, citations or relatives changed) is written to the
  ``PublicChange`` log, in the same transaction. A kept list of people (search, the API,
  the home page) that *shows* that person is retired. One that does not show them is
  unchanged when the person, as they are, does not answer its query and only whether they
  are public changed (a publication or a hide of someone else); otherwise it may count them
  one time too many or too few: it is *late*, and is rendered again soon.
- A change that every page may show (a place or camp renamed, a source, an import, a
  deployment, a restore) starts a new generation of *everything* (``published_changed``):
  every kept page and count is retired.

A profile is kept under its own version instead (``profile_version``): the time its person,
or any relative it names, last changed. Changing a person's part touches the person's
``updated_at`` for that reason.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache, caches
from django.db import connection, transaction
from django.utils import timezone

SHARED_CACHE = "shared"
EVERYTHING_KEY = "registry:published-generation"
# Rows of the change log older than any kept page (registry.page_cache.PAGE_SECONDS).
CHANGES_KEPT = timedelta(hours=1)
# How long a worker keeps what changed between two rows of the log (it never changes).
CHANGES_SECONDS = 60


@dataclass(frozen=True)
class Generation:
    """What a page or count was, or is to be, computed under."""

    everything: str  # the generation of everything
    last_change: int  # the last row of the change log

    def __str__(self):
        return f"{self.everything}.{self.last_change}"


def current_generation(*, with_changes: bool = True) -> Generation | None:
    """The current generation: read before the records it covers. ``with_changes=False``
    leaves the change log unread (``last_change`` 0), for a profile, kept under its own
    version.

    None when the shared cache cannot give one (its write failed): callers then compute
    afresh and keep nothing, rather than keep under a key that could come back.
    """
    from registry.models import PublicChange

    shared = caches[SHARED_CACHE]
    everything = shared.get(EVERYTHING_KEY)
    if everything is None:  # first use, or evicted: any new value works, all keys move on
        shared.add(EVERYTHING_KEY, uuid.uuid4().hex, None)
        everything = shared.get(EVERYTHING_KEY)
        if everything is None:
            return None
    if not with_changes:
        return Generation(everything, 0)
    last = PublicChange.objects.order_by("-id").values_list("id", flat=True).first()
    return Generation(everything, last or 0)


def published_generation() -> str | None:
    """The generation of everything a count or list of published people depends on (counts,
    facets, the values a filter offers); None as in ``current_generation``."""
    generation = current_generation()
    return str(generation) if generation else None


@dataclass(frozen=True)
class Changes:
    """What changed after a row of the log."""

    people: frozenset[int]
    records_changed: bool  # more than whether someone is public
    since: datetime | None  # when the first of them changed (None: nothing changed)


def changed_since(last_change: int, generation: Generation) -> Changes:
    """What changed after row ``last_change`` of the log, up to ``generation``'s last row.
    Kept a while in this worker: after a change every kept list asks the same."""
    from registry.models import PublicChange

    key = f"changed:{last_change}:{generation.last_change}"
    changes = cache.get(key)
    if changes is None:
        rows = list(PublicChange.objects.filter(id__gt=last_change,
                                                id__lte=generation.last_change)
                    .values_list("person_id", "content", "at"))
        changes = Changes(frozenset(person for person, _, _ in rows),
                          any(content for _, content, _ in rows),
                          min((at for _, _, at in rows), default=None))
        cache.set(key, changes, CHANGES_SECONDS)
    return changes


def published_changed(**kwargs) -> None:
    """Retire every kept page and count (a signal receiver too; bulk writers call it).

    The new generation is written at once and again after the transaction commits. With
    the database cache the first write is part of the transaction itself, so other workers
    see the new generation and the new records together. With Redis the first write is seen
    before the records, and a page rendered in between from the old records would be kept
    under the new generation: the second write, after the commit, retires it.
    """
    _new_generation()
    if connection.in_atomic_block:
        transaction.on_commit(_new_generation)


def _new_generation() -> None:
    caches[SHARED_CACHE].set(EVERYTHING_KEY, uuid.uuid4().hex, None)


def people_changed_publicly(ids, *, content: bool = True) -> None:
    """Log that these people's public face changed (in the caller's transaction);
    ``content=False``: only whether they are public."""
    from registry.models import PublicChange

    now = timezone.now()
    rows = PublicChange.objects.bulk_create([PublicChange(person_id=pk, content=content)
                                             for pk in ids])
    if rows and rows[-1].pk and rows[-1].pk % 100 == 0:  # now and then, not every time
        PublicChange.objects.filter(at__lt=now - CHANGES_KEPT).delete()


def profile_version(pk: int) -> str | None:
    """When the profile of person ``pk`` last changed: its person's ``updated_at`` or that
    of any relative the profile names (one query). None for no such person."""
    from registry.models import Person, Relationship

    # A list of ids, not an OR of conditions: PostgreSQL answers "id = … OR id IN (…)" by
    # reading every person (300 ms at a million), a list of ids by three index probes.
    people, links = Person._meta.db_table, Relationship._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MAX(updated_at) FROM {people} WHERE id IN ("
            f"SELECT %s UNION ALL SELECT relative_id FROM {links} WHERE person_id = %s "
            f"UNION ALL SELECT person_id FROM {links} WHERE relative_id = %s)", [pk, pk, pk])
        latest = cursor.fetchone()[0]
    if latest is None:
        return None
    # SQLite hands back "YYYY-MM-DD HH:MM:SS.ffffff" where PostgreSQL hands back a
    # datetime: a version is the ISO text, with no space (it goes into cache keys).
    return latest.isoformat() if hasattr(latest, "isoformat") else str(latest).replace(" ", "T")


# --- what a change changes ----------------------------------------------------------------

# What a save that only publishes, hides or merges away a person writes (registry/moderation.py).
STATUS_FIELDS = frozenset({"status", "updated_at", "published_at", "merged_into"})


def _person_saved(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    """Logged when the person is or was published. ``loaded_status`` is the status the
    record had when read (``Person.from_db``); a record read without it counts as having
    been published."""
    published = instance.Status.PUBLISHED
    before = None if created else getattr(instance, "loaded_status", published)
    if published in (before, instance.status):
        status_only = (before != instance.status and update_fields is not None
                       and set(update_fields) <= STATUS_FIELDS)
        people_changed_publicly([instance.pk], content=not status_only)
    instance.loaded_status = instance.status


def _person_deleted(sender, instance, **kwargs) -> None:
    # Content: a deleted person cannot be asked whether they answered a page's query.
    if getattr(instance, "loaded_status", instance.status) == instance.Status.PUBLISHED:
        people_changed_publicly([instance.pk])


def _part_changed(sender, instance, **kwargs) -> None:
    """A name, event, photo, citation or named relative: its person's profile changes."""
    _people_changed([instance.person_id])


def _relationship_changed(sender, instance, **kwargs) -> None:
    """Both profiles name each other."""
    _people_changed([instance.person_id, instance.relative_id])


def _place_changed(sender, instance, created=False, **kwargs) -> None:
    """A place a moderator's acceptance has just made (unverified) is on no page yet: the
    publication that names it retires what it changes, like any other."""
    if created and not instance.verified:
        return
    published_changed()


def _people_changed(ids: list[int]) -> None:
    from registry.models import Person

    people = Person.objects.filter(pk__in=ids)
    # A plain update: the profile's version, not a change of the person (no revision).
    people.update(updated_at=timezone.now())
    people_changed_publicly(people.published().values_list("pk", flat=True))


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_migrate, post_save

    from registry.models import (
        Camp,
        Citation,
        NamedRelative,
        NameVariant,
        Person,
        Photo,
        Place,
        PlaceName,
        Relationship,
        RepressionEvent,
        Source,
    )

    def connect(receiver, model):
        name = model.__name__
        post_save.connect(receiver, sender=model, dispatch_uid=f"freshness-save-{name}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"freshness-delete-{name}")

    post_save.connect(_person_saved, sender=Person, dispatch_uid="freshness-save-Person")
    post_delete.connect(_person_deleted, sender=Person, dispatch_uid="freshness-delete-Person")
    for part in (NameVariant, RepressionEvent, Photo, Citation, NamedRelative):
        connect(_part_changed, part)
    connect(_relationship_changed, Relationship)
    # What any page may name: a place's or camp's names, a source's title.
    for shown_everywhere in (PlaceName, Camp, Source):
        connect(published_changed, shown_everywhere)
    connect(_place_changed, Place)
    # A deployment migrates: pages kept by the old templates and code are retired with it.
    post_migrate.connect(_after_migrate, dispatch_uid="published-changed-migrate")


def _after_migrate(sender, using="default", **kwargs) -> None:
    if sender.name == "registry" and using == "default":
        published_changed()
