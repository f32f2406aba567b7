"""Finding the registry's place or camp that a name written by an archive or a family means.

One lookup for the importer and for moderation: a place is found by its name or any of its
names over time and in other scripts (``PlaceName``: Akmolinsk, Tselinograd, Astana), a camp
by any of its names (ALZHIR, Акмолинский лагерь жён изменников Родины). Names are compared
folded (``registry.names.place_key``: case, accents, ё/е, punctuation), and "Akmolinsk, Kazakh
SSR" is tried whole, then by its first part.

The names are read once, on the first question (places and camps are few), and answers are
kept by the text as written: a list repeats the same few places thousands of times. A
lookup lives as long as one import or one moderator's decision, so a place added meanwhile
is found by the next one.
"""

from __future__ import annotations

from django.utils.text import slugify

from registry.models import Camp, Place, PlaceName
from registry.names import place_key, transliterate, words

ANSWERS_KEPT = 10_000


class _Lookup:
    def __init__(self):
        self._by_name: dict[str, int] | None = None
        self._answers: dict[str, int | None] = {}

    def load(self) -> None:
        """Read every name now (the importer does, before its reader forks: ``find`` then
        uses no database)."""
        if self._by_name is None:
            self._by_name = {}
            for pk, name in self._names():
                self._by_name.setdefault(place_key(name), pk)

    def find(self, text: str | None) -> int | None:
        """The id of what ``text`` names, or None."""
        if not text:
            return None
        if text not in self._answers:
            self.load()
            found = self._find(text)
            if len(self._answers) >= ANSWERS_KEPT:
                return found
            self._answers[text] = found
        return self._answers[text]

    def _names(self):
        raise NotImplementedError

    def _find(self, text: str) -> int | None:
        return self._by_name.get(place_key(text))


class PlaceLookup(_Lookup):
    """A ``Place`` by its name or any of its names over time."""

    def find_or_add(self, text: str | None) -> int | None:
        """``find``, or a new unverified place for a moderator to check, named by the
        first part of ``text`` ("Sarytorgai, Akmola uezd" → "Sarytorgai", as ``find``
        reads it; the record keeps the whole text as written): what a family names is
        linked even when the registry did not know it."""
        if (found := self.find(text)) is not None:
            return found
        name = " ".join((text or "").split(",")[0].split())[:200]
        if not name:
            return None
        place = Place.objects.create(name=name, verified=False)
        self._answers[text] = place.pk
        self._by_name.setdefault(place_key(place.name), place.pk)
        return place.pk

    def _names(self):
        yield from Place.objects.values_list("pk", "name")
        yield from PlaceName.objects.values_list("place_id", "name")

    def _find(self, text: str) -> int | None:
        # "Akmolinsk, Kazakh SSR" -> the whole text, then its first part.
        for candidate in (text, text.split(",")[0]):
            if pk := self._by_name.get(place_key(candidate)):
                return pk
        return None


class CampLookup(_Lookup):
    """A ``Camp`` by any of its names."""

    def find_or_add(self, text: str | None) -> int | None:
        """``find``, or a new unverified camp named ``text`` for a moderator to check: a
        camp a family names is linked even when the registry did not know it."""
        if (found := self.find(text)) is not None:
            return found
        name = " ".join((text or "").split())[:200]
        if not name:
            return None
        camp = Camp.objects.create(name=name, slug=_free_slug(name), verified=False)
        self._answers[text] = camp.pk
        self._by_name.setdefault(place_key(camp.name), camp.pk)
        return camp.pk

    def _names(self):
        for camp in Camp.objects.all():
            for name in camp.all_names():
                yield camp.pk, name


def _free_slug(name: str) -> str:
    """A camp address not taken yet, from its name in Latin letters."""
    base = slugify(" ".join(transliterate(word) for word in words(name)))[:70] or "camp"
    slug, number = base, 1
    while Camp.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug
