"""Visitors' reads on PostgreSQL's streaming replicas; everything else on the primary.

When one database server no longer carries the reads, PostgreSQL's own streaming
replication adds servers that hold a copy a moment behind the primary
(docs/scaling.md). Only the pages that read what is published and change nothing go to
them (``REPLICA_PAGES``): search, profiles, the API, exports, reading lists, camps,
statistics, the sitemap. Every write, every moderator's request, and a family's own pages
(the form, the private tracking page, which must show what was just sent) read the
primary, as does the shared cache that holds the generation of kept pages.

``DATABASE_REPLICA_URLS`` names the replicas (``memorial/settings.py``); without it the
router sends everything to the primary.
"""

import random
from contextvars import ContextVar

from django.conf import settings
from django.core.signals import request_finished
from django.db import connections, router

REPLICA_PAGES = frozenset({
    "home", "search", "person", "person-print", "camps", "camp", "api-people", "api-person",
    "export-people", "reading", "reading-list", "reading-text", "reading-csv", "stats",
    "sitemap", "sitemap-section",
})
# Django's database cache (the shared cache) names its table's app so.
PRIMARY_APPS = frozenset({"django_cache"})

_on_replica = ContextVar("registry_reads_on_replica", default=False)


def reading_connection(model):
    """The connection the ORM would read ``model`` through, for hand-written SQL: a
    visitor's ranking on the replica like the rest of the page (``django.db.connection``
    is always the primary)."""
    return connections[router.db_for_read(model)]


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        replicas = settings.REGISTRY_REPLICAS
        if replicas and _on_replica.get() and model._meta.app_label not in PRIMARY_APPS:
            return random.choice(replicas)
        return None  # the primary

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replicas are copies of the primary

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"


class ReplicaMiddleware:
    """Marks a visitor's request for a page that only reads what is published.

    The mark lasts until the response is closed (``request_finished``), so a streamed
    export or reading list reads its rows on the replica too, and nothing run afterwards
    in the same thread does."""

    def __init__(self, get_response):
        self.get_response = get_response
        request_finished.connect(_reads_on_primary, dispatch_uid="registry-reads-on-primary")

    def __call__(self, request):
        _on_replica.set(False)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if (request.method in ("GET", "HEAD") and match.namespace == "registry"
                and match.url_name in REPLICA_PAGES):
            _on_replica.set(True)


def _reads_on_primary(**kwargs) -> None:
    _on_replica.set(False)
