"""Every request bounded in time, so that no visitor's query can hold a worker for long.

(A visitor who waited for another request rendering the same page is answered the same way
when it takes too long: ``registry.page_cache``.)

A visitor's request runs its SQL under PostgreSQL's ``statement_timeout``
(``REGISTRY_VISITOR_STATEMENT_TIMEOUT`` milliseconds): a broad filter that the database
cannot answer in time is stopped, and the visitor is told to try again, instead of a
worker thread waiting a minute while everyone queued behind it waits too. The moderators'
admin and the management commands are not limited: their work is rare and must finish.
"""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from registry.budgets import give_back, take_slot

QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement stopped by its timeout
RETRY_AFTER_SECONDS = 10
# A post larger than this carries photographs (a form's text alone is a few kilobytes).
LARGE_POST_BYTES = 1024 * 1024
LARGE_POST_SECONDS = 120  # a slot whose worker died frees itself after this


class TimeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if connection.vendor == "postgresql":
            staff_area = request.path.startswith(settings.REGISTRY_ADMIN_PATH)
            _set_statement_timeout(0 if staff_area
                                   else settings.REGISTRY_VISITOR_STATEMENT_TIMEOUT)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if getattr(exception.__cause__, "sqlstate", None) != QUERY_CANCELED:
            return None
        return busy_response(request)


def busy_response(request):
    """503 with ``Retry-After``: the registry could not answer this visitor in time."""
    return come_back_later(request, _("The registry is very busy and could not answer in "
                                      "time. Please try again in a moment."),
                           seconds=RETRY_AFTER_SECONDS, status=503)


def come_back_later(request, message: str, *, seconds: int, status: int = 429,
                    refresh: bool = False, json_paths: tuple[str, ...] = ("/api/",)):
    """A refusal with a way back: ``{"error": message}`` where machines read (``json_paths``),
    else the page that says so; ``Retry-After`` either way. ``refresh``: a browser asks for
    the page again by itself after ``seconds`` (no JavaScript needed)."""
    if request.path.startswith(json_paths):
        response = JsonResponse({"error": message}, status=status,
                                json_dumps_params={"ensure_ascii": False})
    else:
        response = render(request, "503.html", {"message": message}, status=status)
        if refresh:
            response["Refresh"] = str(seconds)
    response["Retry-After"] = str(seconds)
    return response


def _set_statement_timeout(milliseconds: int) -> None:
    """Set the connection's limit, once per connection and value (a persistent connection
    keeps it from one request to the next)."""
    connection.ensure_connection()
    wanted = (id(connection.connection), milliseconds)
    if getattr(connection, "registry_statement_timeout", None) != wanted:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)",
                           [str(milliseconds)])
        connection.registry_statement_timeout = wanted


class UploadGateMiddleware:
    """A form that may carry photographs is weighed, and its sender's count looked at,
    before a byte of it is read.

    Django reads a whole multipart body (writing its files to disk) as soon as anything
    asks for ``request.POST``, the CSRF check first; a client past its hourly count of
    such posts, or sending more than any form of ours can hold, cost a worker seconds and
    hundreds of megabytes per post before the view could refuse it (bench/hostile.py).
    Such a post is refused here, unread. The view itself counts the posts that carry
    photographs and says so inside the form (``registry.views.submit``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (request.method == "POST" and request.content_type == "multipart/form-data"
                and not request.path.startswith(settings.REGISTRY_ADMIN_PATH)):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.REGISTRY_POST_MAX_BYTES:
                return render(request, "400.html", status=413)
            if _over_upload_rate(request):
                return come_back_later(request, _(
                    "Too many photographs have come from your connection in a short time. "
                    "Please go back and send the form again in an hour: your browser keeps "
                    "what you typed."), seconds=3600)
            if length > LARGE_POST_BYTES:
                # Reading and parsing a post of photographs takes a core for a second or
                # more: a few at a time across the site, the other cores for visitors.
                slot = take_slot("large-post", settings.REGISTRY_LARGE_POSTS_AT_ONCE,
                                 LARGE_POST_SECONDS)
                if slot is None:
                    return come_back_later(request, _(
                        "Many photographs are arriving right now. Please go back and send "
                        "the form again in a minute: your browser keeps what you typed."),
                        seconds=60)
                try:
                    return self.get_response(request)
                finally:
                    give_back(slot)
        return self.get_response(request)


def _over_upload_rate(request) -> bool:
    from registry.clients import rate_key
    from registry.views.submit import UPLOAD_RATE_GROUP

    usage = get_usage(request, group=UPLOAD_RATE_GROUP,
                      key=rate_key,
                      rate=settings.REGISTRY_UPLOAD_RATE, method="POST", increment=False)
    # Past it, not at it: the post that reaches the count is read, and the view says so
    # inside the form with everything typed; only the ones after are refused unread.
    return usage["count"] > usage["limit"]
