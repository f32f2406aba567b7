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

QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement stopped by its timeout
RETRY_AFTER_SECONDS = 10


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
    message = _("The registry is very busy and could not answer in time. "
                "Please try again in a moment.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": message}, status=503)
    else:
        response = render(request, "503.html", {"message": message}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
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
