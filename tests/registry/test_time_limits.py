"""No visitor's request holds a worker for long: its SQL is stopped after a time limit and
the visitor is asked to try again; the moderators' admin has no such limit."""

import pytest
from django.db import connection
from django.http import HttpResponse
from django.urls import include, path

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="statement_timeout is PostgreSQL's; SQLite serves one machine"),
    pytest.mark.django_db(transaction=True),  # a stopped statement aborts a test's transaction
]


def slow_page(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.5)")
    return HttpResponse("answered")


urlpatterns = [
    path("search/slow/", slow_page),
    path("api/v1/slow/", slow_page),
    path("admin/slow/", slow_page),
    path("", include("memorial.urls")),
]


@pytest.fixture
def short_limit(settings):
    settings.ROOT_URLCONF = __name__
    settings.REGISTRY_VISITOR_STATEMENT_TIMEOUT = 100
    yield
    with connection.cursor() as cursor:  # what the next test's own queries run under
        cursor.execute("SELECT set_config('statement_timeout', '0', false)")
    connection.registry_statement_timeout = None


def test_a_visitors_page_that_runs_too_long_is_stopped_with_a_polite_answer(client, short_limit):
    response = client.get("/search/slow/")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "try again" in response.content.decode()


def test_the_api_says_so_in_json(client, short_limit):
    response = client.get("/api/v1/slow/")
    assert response.status_code == 503
    assert "try again" in response.json()["error"]


def test_the_moderators_admin_is_not_limited(client, short_limit):
    assert client.get("/admin/slow/").content == b"answered"
    # and the visitors' limit is back for the next visitor on the same connection
    assert client.get("/search/slow/").status_code == 503
