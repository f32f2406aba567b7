"""Every parameter of every public address, however wrong, gets an answer a visitor can
read: a page or 400 with what to change, never a server error.

Links get shared, edited and mistyped, and scripts try every value. A year of 0 or
100000 once overflowed the date lookups and answered 500 on the search page, the API and
reading lists, and cut the CSV export off mid-stream.
"""

import json
import re
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.filters import FIRST_YEAR, LAST_YEAR, PersonFilter
from tests.factories import PendingPersonFactory, PublishedPersonFactory

pytestmark = pytest.mark.django_db

# Where a query string of filters is read.
LISTS = ["/search/", "/api/v1/people/", "/export/people.csv", "/reading/list/",
         "/reading/list.txt", "/reading/list.csv", "/reading/card/", "/stats/", "/camps/",
         "/"]
FILTERS = sorted(PersonFilter.base_filters)
YEAR_FILTERS = [name for name in FILTERS if name.endswith(("_year_min", "_year_max"))]
EXTREMES = ["0", "-5", "100000", "99999999999999999999", "1e5", "1.5", "nan", "inf",
            "١٩٣٧", " 1937 ", "", "0x7a9", "1937-01-01", "9" * 400, "\x00", "%", "’",
            "0001-01-01", "9999-12-31", "10000-01-01", "2023-02-30", "true", "yes", "[]"]


@pytest.fixture
def registry_with_people():
    PublishedPersonFactory(surname="Байтурсынов", given_name="Ахмет", birth_date="1872",
                           death_date="1937-12-08", fate="executed")
    PendingPersonFactory(surname="Скрытый")  # pending: never shown, whatever is asked


def _get(client: Client, path: str, params: dict):
    response = client.get(path, params)
    if getattr(response, "streaming", False):  # read the whole download: no error midway
        b"".join(response.streaming_content)
    return response


@pytest.mark.parametrize("path", LISTS)
def test_no_value_of_any_filter_answers_a_server_error(client, registry_with_people, path):
    for name in FILTERS:
        for value in EXTREMES:
            response = _get(client, path, {name: value, "selection": "1"})
            assert response.status_code < 500, (path, name, value, response.status_code)


@pytest.mark.parametrize("value", ["0", "-5", "1799", "2101", "100000", "1e5", "1937.5"])
def test_a_year_out_of_range_is_refused_with_a_message(client, registry_with_people, value):
    for name in YEAR_FILTERS:
        response = client.get("/api/v1/people/", {name: value})
        assert response.status_code == 400, (name, value)
        assert json.loads(response.content)["errors"][name][0]["message"]

        response = client.get("/search/", {name: value})
        assert response.status_code == 200  # the form again, with what to change
        page = response.content.decode()
        assert "has-error" in page and "Байтурсынов" not in page

        response = client.get("/export/people.csv", {name: value})
        assert response.status_code == 400, (name, value)  # before the first byte


def test_years_at_either_end_of_the_range_are_searched(client, registry_with_people):
    found = client.get("/api/v1/people/", {"birth_year_min": FIRST_YEAR,
                                          "birth_year_max": LAST_YEAR}).json()
    assert [person["surname"] for person in found["results"]] == ["Байтурсынов"]


@pytest.mark.parametrize("page", ["0", "-1", "1e5", "nan", "1.0", "١", "two"])
def test_a_page_that_is_no_whole_number_from_one_is_refused_in_json(client, page):
    response = client.get("/api/v1/people/", {"page": page})
    assert response.status_code == 400
    assert json.loads(response.content)["errors"]["page"][0]["code"] == "invalid"


def test_a_page_past_the_end_is_not_found_in_json(client, registry_with_people):
    response = client.get("/api/v1/people/", {"q": "Байтурсынов", "page": "7"})
    assert response.status_code == 404
    assert json.loads(response.content)["errors"]["page"][0]["code"] == "no_such_page"
    assert client.get("/search/", {"q": "Байтурсынов", "page": "7"}).status_code == 200


values = st.one_of(
    st.integers(-10**30, 10**30).map(str),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    st.sampled_from(EXTREMES),
)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(path=st.sampled_from(LISTS),
       params=st.dictionaries(st.sampled_from([*FILTERS, "page", "page_size", "n", "readers",
                                              "minutes", "pace", "selection"]),
                              values, max_size=5))
def test_any_query_string_on_any_list_answers_without_a_server_error(
        client, registry_with_people, path, params):
    response = _get(client, path, params)
    assert response.status_code < 500, (path, params)


# --- every public address ---------------------------------------------------------------

def _public_routes() -> list[str]:
    """The registry's address patterns as written (``people/<pk:pk>/``)."""
    from registry import urls

    return [str(pattern.pattern) for pattern in urls.urlpatterns]


PATH_VALUES = {
    "int": st.one_of(st.integers(0, 10**12),
                     st.sampled_from([2**63 - 1, 2**63, 10**30])).map(str),
    "pk": st.one_of(st.integers(0, 10**12),
                    st.sampled_from([2**63 - 1, 2**63, 10**30])).map(str),
    "slug": st.from_regex(r"[-a-zA-Z0-9_]{1,60}", fullmatch=True),
    "token": st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True),
    "path": st.text(st.characters(exclude_categories=("Cs",), exclude_characters="?#"),
                    min_size=1, max_size=80),
    "str": st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True),
}
PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


@st.composite
def public_addresses(draw) -> str:
    route = draw(st.sampled_from(_public_routes()))
    return "/" + PARAMETER.sub(lambda found: quote(draw(PATH_VALUES[found[1] or "str"]),
                                                   safe="/"), route)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(address=public_addresses(),
       params=st.dictionaries(st.sampled_from([*FILTERS, "page", "page_size", "format",
                                              "lang", "n"]), values, max_size=3))
def test_every_public_address_with_any_values_answers_without_a_server_error(
        client, registry_with_people, address, params):
    response = _get(client, address, params)
    assert response.status_code < 500, (address, params)


@pytest.mark.parametrize("number", [0, 2**63 - 1, 2**63, 10**30])
def test_a_record_number_beyond_any_database_integer_is_simply_not_found(client, number):
    for address in (f"/people/{number}/", f"/people/{number}/print/",
                    f"/people/{number}/suggest/", f"/api/v1/people/{number}/"):
        assert client.get(address).status_code == 404, address
