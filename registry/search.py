"""Finding people. A deliberately simple placeholder until the search design lands.

It matches each word of the query against the start of any name part, primary or
variant, case-insensitively, over the published people only. The multi-script keys,
phonetic codes and trigram ranking of DESIGN.md replace this module's internals; its
signature is what views rely on.
"""

from django.db.models import Q, QuerySet

from registry.models import Person

NAME_FIELDS = ("surname", "given_name", "patronymic", "maiden_name",
               "variants__surname", "variants__given_name", "variants__patronymic")
MAX_WORDS = 5


def search_people(people: QuerySet[Person], query: str) -> QuerySet[Person]:
    """People whose names start with every word of ``query`` (in any order)."""
    words = query.split()[:MAX_WORDS]
    if not words:
        return people.none()
    for word in words:
        condition = Q()
        for field in NAME_FIELDS:
            condition |= Q(**{f"{field}__istartswith": word})
        people = people.filter(pk__in=Person.objects.filter(condition).values("pk"))
    return people
