"""When the published registry last changed, as every gunicorn worker sees it.

Pages, counts and other answers computed from published records are cached under the
registry's *published generation*. Any save or deletion of a person or of what a profile
shows (names, events, photos, sources, places, camps) starts a new generation, so a person
just hidden disappears from every cached page at once and a person just published appears.

The generation lives in the ``shared`` cache (a table of the registry's own database, or
Redis), not in a worker's memory: a moderator's change made in one worker must reach the
visitor served by another.
"""

import uuid

from django.core.cache import caches
from django.db import connection, transaction

SHARED_CACHE = "shared"
GENERATION_KEY = "registry:published-generation"


def published_generation() -> str | None:
    """The current generation: read before the records it covers (see ``published_changed``).

    None when the shared cache cannot give one (its write failed): callers then compute
    afresh and keep nothing, rather than keep under a key that could come back.
    """
    shared = caches[SHARED_CACHE]
    generation = shared.get(GENERATION_KEY)
    if generation is None:  # first use, or evicted: any new value works, all keys move on
        shared.add(GENERATION_KEY, uuid.uuid4().hex, None)
        generation = shared.get(GENERATION_KEY)
    return generation


def published_changed(**kwargs) -> None:
    """Start a new generation (a signal receiver too; bulk writers call it when done).

    It is started at once and again after the transaction commits. With the database cache
    the first write is part of the transaction itself, so other workers see the new
    generation and the new records together. With Redis the first write is seen before the
    records, and a page rendered in between from the old records would be kept under the
    new generation: the second write, after the commit, retires it.
    """
    _new_generation()
    if connection.in_atomic_block:
        transaction.on_commit(_new_generation)


def _new_generation() -> None:
    caches[SHARED_CACHE].set(GENERATION_KEY, uuid.uuid4().hex, None)


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_migrate, post_save

    from registry.models import (
        Camp,
        Citation,
        NameVariant,
        Person,
        Photo,
        Place,
        PlaceName,
        Relationship,
        RepressionEvent,
        Source,
    )

    # Everything a public page, a count or a list shows of a person. Submissions, their
    # photos and the moderation log are not shown until a moderator accepts them, and
    # accepting saves the person.
    shown = (Person, NameVariant, Relationship, RepressionEvent, Photo, Citation, Source,
             Place, PlaceName, Camp)
    for model in shown:
        post_save.connect(published_changed, sender=model,
                          dispatch_uid=f"published-changed-save-{model.__name__}")
        post_delete.connect(published_changed, sender=model,
                            dispatch_uid=f"published-changed-delete-{model.__name__}")
    # A deployment migrates: pages kept by the old templates and code are retired with it.
    post_migrate.connect(_after_migrate, dispatch_uid="published-changed-migrate")


def _after_migrate(sender, using="default", **kwargs) -> None:
    if sender.name == "registry" and using == "default":
        published_changed()
