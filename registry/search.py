"""Finding people by any spelling of their name (the search design of DESIGN.md).

A query is split into name words, in any order and matching any name part or variant, and
four-digit years. Each word must match some key of the person (``NameKey``):

    exact folded spelling  100   Baitursinov = Байтурсынов = Bajtursynow
    same stem, other sex    80   Ivanova -> Ivanov, Baitursynuly -> Baitursynov
    start of a spelling     60   Baitur
    Daitch–Mokotoff code    40   Jeschow -> Ежов
    trigram similarity      20   PostgreSQL only

The first two rows are tried first; only a word that no name spells that way is read as
the start of a name or by its sound, and only a word that matched nothing at all, for
typos. A person's rank is the sum over the query's words; a year keeps people born,
arrested or dead in it.

``search_people`` narrows the Person queryset it is given, so the published gate and the
filters stay where they are decided (``registry.filters``). ``ranked_people`` answers the
same question for a page of results from the keys' copy of publication, and the page's
people are then read through ``Person.objects.published()`` again: a key that lagged
behind its person could make a count one too high, never show an unpublished name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import add

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr
from django.db.models.lookups import Exact

from registry.models import NameKey, NameSound, NameSpelling, Person, YearKey
from registry.names import TokenKeys, search_keys
from registry.replicas import reading_connection
from registry.search_index import year_bit

MAX_WORDS = 5
MAX_QUERY_LENGTH = 200
MIN_PREFIX = 3
YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
SCORE_EXACT, SCORE_STEM, SCORE_PREFIX, SCORE_PHONETIC, SCORE_TYPO = 100, 80, 60, 40, 20
TYPO_SPELLINGS = 20  # the most similar spellings a mistyped word is read as
TYPO_SIMILARITY = 0.3  # pg_trgm's default similarity_threshold, which the % operator uses
# How long a worker keeps the spellings of people just published or hidden. Only a change
# of whether they are public asks for them (a change of their names makes every list late
# without asking), and that change leaves their spellings as they were.
SPELLED_SECONDS = 30
SUGGESTION_SAMPLE = 20  # people read per spelling to name its surnames in "did you mean"


@dataclass
class ParsedQuery:
    """What a visitor typed, as the search reads it."""

    text: str
    words: list[TokenKeys] = field(default_factory=list)
    years: list[int] = field(default_factory=list)

    def __bool__(self):
        return bool(self.words or self.years)


def parse_query(text: str) -> ParsedQuery:
    """Name words (at most MAX_WORDS) and years out of free text."""
    text = (text or "").strip()[:MAX_QUERY_LENGTH]
    years = [int(year) for year in YEAR.findall(text)][:2]
    return ParsedQuery(text=text, words=search_keys(YEAR.sub(" ", text))[:MAX_WORDS],
                       years=years)


def trigram_available() -> bool:
    """The one PostgreSQL switch: pg_trgm's operators exist there and nowhere else."""
    return connection.vendor == "postgresql"


def search_people(people: QuerySet[Person], query: str | ParsedQuery) -> QuerySet[Person]:
    """``people`` that match ``query``, best first (``search_rank``), then by name."""
    parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
    if not parsed:
        return people.none()
    for year in parsed.years:
        people = people.filter(lived_in_year(year))
    scores = []
    for number, word in enumerate(parsed.words):
        relation = f"name_match_{number}"
        condition, score = _word_condition(word, relation)
        people = people.alias(**{relation: FilteredRelation("name_keys", condition=condition)})
        people = people.filter(**{f"{relation}__isnull": False})
        scores.append(Max(score))
    rank = reduce(add, scores) if scores else Value(0)
    return people.annotate(search_rank=rank).order_by(
        "-search_rank", "surname", "given_name", "patronymic", "id")


class Ranking:
    """Published people matching a query, ranked from the name keys alone.

    The same people in the same order as ``search_people(published, query)``, but read as
    a ``UNION ALL`` of one index-only scan per word and kind of match over the partial
    index of published keys, grouped by person: no person row is read per match. That is
    what a page of results and its count need; ``registry.pagination`` pages it.
    """

    ORDER = "search_rank DESC, sort_name, person_id"

    def __init__(self, sql: str, params: list):
        self.sql, self.params = sql, params

    def page(self, offset: int, limit: int) -> list[dict]:
        """Rows ``{person_id, search_rank, total}`` of one page (``total``: all matches)."""
        return self._rows(f"SELECT person_id, search_rank, COUNT(*) OVER () AS total "
                          f"FROM ({self.sql}) ranked ORDER BY {self.ORDER} LIMIT %s OFFSET %s",
                          [*self.params, limit, offset])

    def count(self) -> int:
        return self._rows(f"SELECT COUNT(*) AS total FROM ({self.sql}) ranked",
                          self.params)[0]["total"]

    def person_ids(self) -> RawSQL:
        """Every matching person's id, as a subquery for ``pk__in``."""
        return RawSQL(f"SELECT person_id FROM ({self.sql}) ranked", self.params)

    def __getitem__(self, index: slice) -> list[dict]:
        start = index.start or 0
        limit = (self.count() if index.stop is None else index.stop) - start
        # An empty slice (Django's paginator asks for one when nothing matched) needs no
        # query: ranking a query that matches nobody costs as much as one that matches many.
        return self.page(start, limit) if limit > 0 else []

    @staticmethod
    def _rows(sql: str, params: list) -> list[dict]:
        with reading_connection(NameKey).cursor() as cursor:
            cursor.execute(sql, params)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def ranked_people(query: str | ParsedQuery,
                  within: QuerySet[Person] | None = None) -> Ranking | None:
    """The ``Ranking`` of ``query`` among published people; ``within`` keeps to the people
    other filters chose (None: every published person). None when the query has no name
    word to rank by.

    The word that matches the fewest keys leads: its people are grouped from the index,
    and each other word is then looked up for those people only (one index probe per
    person and word), so a common given name beside a surname costs a few thousand probes
    rather than grouping every Ivan in the registry. (A subquery per word in the select
    list rather than a LATERAL join, which SQLite lacks.)
    """
    parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
    if not parsed.words:
        return None
    # With several words, the reading of each also counts its keys, to choose the lead.
    counted = [_reading(word, count=len(parsed.words) > 1) for word in parsed.words]
    readings = [tiers for tiers, _ in sorted(counted, key=lambda reading: reading[1])]
    lead, *others = [tiers("") for tiers in readings[:1]] + [
        tiers("", probe=True) for tiers in readings[1:]]
    # A year the keys carry as bits is checked while the leading word's keys are scanned;
    # any other year on each person found, with one probe of their year keys.
    bits = {year: year_bit(year) for year in parsed.years}
    branches, lead_params = _branches(lead, within=within,
                                      years=[bit for bit in bits.values() if bit])
    if not branches:
        return Ranking(NOTHING, [])
    sql = (f"SELECT person_id, sort_name, MAX(score) AS score "
           f"FROM ({' UNION ALL '.join(branches)}) lead_keys GROUP BY person_id, sort_name")
    # Parameters in the order they appear: the other words' (in the select list), the
    # leading word's (in FROM), the years' (in WHERE).
    columns, scores, conditions, params = [], ["score"], [], []
    for number, tiers in enumerate(others, start=1):
        word_branches, word_params = _branches(tiers, person=RawSQL("matches.person_id", []))
        if not word_branches:
            return Ranking(NOTHING, [])
        columns.append(f"(SELECT MAX(score) FROM ({' UNION ALL '.join(word_branches)}) "
                       f"word_keys) AS word_{number}")
        params += word_params
        scores.append(f"word_{number}")
        conditions.append(f"word_{number} IS NOT NULL")
    params += lead_params
    for year in (year for year, bit in bits.items() if not bit):
        spans = _spans_holding(year).filter(person_id=RawSQL("scored.person_id", []))
        spans_sql, spans_params = spans.values("pk").query.sql_with_params()
        conditions.append(f"EXISTS ({spans_sql})")
        params += spans_params
    sql = (f"SELECT person_id, sort_name, {' + '.join(scores)} AS search_rank FROM ("
           f"SELECT matches.person_id, matches.sort_name, matches.score"
           f"{''.join(', ' + column for column in columns)} FROM ({sql}) matches) scored")
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    return Ranking(sql, params)


NOTHING = "SELECT NULL AS person_id, NULL AS sort_name, 0 AS search_rank WHERE 1 = 0"
# Counting a word's keys stops here: enough to tell a rare word from a common one.
KEYS_COUNTED = 5000


def _keys_matched(tiers: list[tuple[Q, int]], *, count: bool) -> list[int]:
    """Per kind of match of a reading: how many published keys it matches (at most
    ``KEYS_COUNTED``) when ``count``, else 1 or 0 for whether any does. One statement for
    all kinds: each would otherwise be a round trip of its own."""
    selects, params = [], []
    for condition, _ in tiers:
        keys = NameKey.objects.filter(condition, published=True).order_by()
        try:
            if count:
                sql, keys_params = keys.values("pk")[:KEYS_COUNTED].query.sql_with_params()
                selects.append(f"(SELECT COUNT(*) FROM ({sql}) counted)")
            else:
                sql, keys_params = keys.values("pk").query.sql_with_params()
                selects.append(f"CASE WHEN EXISTS ({sql}) THEN 1 ELSE 0 END")
        except EmptyResultSet:  # e.g. no spelling of the other sex's form
            selects.append("0")
            keys_params = ()
        params += keys_params
    with reading_connection(NameKey).cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(selects)}", params)
        return list(cursor.fetchone())


def _branches(tiers: list[tuple[Q, int]], *, within: QuerySet[Person] | None = None,
              person: RawSQL | None = None, years: Iterable[int] = ()) -> tuple[list[str], list]:
    """One index-only scan of published keys per kind of match of a word, with its score:
    ``(person_id, sort_name, score)`` rows, for the people ``within`` or one ``person``,
    who lived in every year of ``years`` (bits of ``year_bits``)."""
    branches, params = [], []
    for condition, points in tiers:
        keys = NameKey.objects.filter(condition, published=True)
        for bit in years:
            keys = keys.alias(**{f"year_{bit}": F("year_bits").bitand(bit)}).filter(
                **{f"year_{bit}__gt": 0})
        if within is not None:
            keys = keys.filter(person_id__in=within.values("pk"))
        if person is not None:
            keys = keys.filter(person_id=person)
        keys = keys.annotate(score=Value(points)).values_list("person_id", "sort_name", "score")
        try:
            sql, branch_params = keys.order_by().query.sql_with_params()
        except EmptyResultSet:  # e.g. no spelling of the other sex's form
            continue
        branches.append(sql)
        params += branch_params
    return branches, params


def _reading(word: TokenKeys, *, count: bool = False):
    """The first reading of ``word`` (see ``_fallbacks``) that some name key has, and how
    many keys it matches (see ``_keys_matched``; 0 or more unless ``count``).

    The weaker kinds are fallbacks: a word that some name spells exactly (or in the other
    sex's form) is not also read as the start of longer names or as a sound, which would
    bury the Ivanovs under every Ivanovich; a word that matches nothing at all is read
    for typos, on PostgreSQL.
    """
    for tiers in _fallbacks(word):
        # One EXISTS per kind of match, not one for their OR: PostgreSQL answers an OR of
        # conditions on the key by walking the whole key index (250 ms at a million).
        # Published keys only: a name spelled only by a pending record must not change
        # how a visitor's word is read (nor hint that the record exists).
        matched = sum(_keys_matched(tiers(""), count=count))
        if matched:
            return tiers, matched
    return tiers, 0


def might_answer(query: str | ParsedQuery, person_ids) -> bool:
    """Whether any of these people, whatever their status, might answer the name words of
    ``query``: every word spelled by one of their keys in one of the ways a search reads
    it (exactly, the other sex's form, the start, the sound, a near spelling).

    Three small queries, where running the search itself asks a dozen: a kept list asks
    this of every person published or hidden since it was rendered. It may say yes for
    someone the search would not find (every reading is tried, years are not looked at),
    never no for someone it would."""
    parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
    if not parsed.words:
        return bool(person_ids)
    spellings, stems, sounds = _spelled(frozenset(person_ids))

    def reads_as(word: TokenKeys, key: str) -> bool:
        return (key in word.foldings or stems.get(key) in word.stems
                or any(key.startswith(folded) for folded in word.foldings
                       if len(folded) >= MIN_PREFIX)
                or bool(sounds.get(key, set()) & word.phonetic)
                or trigram_similarity(key, word.folded) >= TYPO_SIMILARITY)

    return any(all(any(reads_as(word, key) for key in keys) for word in parsed.words)
               for keys in spellings.values())


def _spelled(person_ids: frozenset[int]) -> tuple[dict, dict, dict]:
    """The people's spellings, their stems and their sounds. Kept a few seconds in this
    worker: after a publication every kept list asks about the same person."""
    key = "spelled:" + ",".join(map(str, sorted(person_ids)))
    found = cache.get(key)
    if found is None:
        spellings: dict[int, set[str]] = {}
        for person, spelling in NameKey.objects.filter(person_id__in=person_ids).values_list(
                "person_id", "key"):
            spellings.setdefault(person, set()).add(spelling)
        known = set().union(*spellings.values())
        stems = dict(NameSpelling.objects.filter(key__in=known).values_list("key", "stem"))
        sounds: dict[str, set[str]] = {}
        for code, spelling in NameSound.objects.filter(spelling__in=known).values_list(
                "code", "spelling"):
            sounds.setdefault(spelling, set()).add(code)
        found = (spellings, stems, sounds)
        cache.set(key, found, SPELLED_SECONDS)
    return found


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's similarity of two folded words, computed here (shared trigrams over all)."""
    def trigrams(word):
        padded = f"  {word} "
        return {padded[i:i + 3] for i in range(len(padded) - 2)}

    first, second = trigrams(a), trigrams(b)
    return len(first & second) / len(first | second) if first | second else 0.0


def lived_in_year(year: int) -> Q:
    """Born, arrested or dead in ``year`` (any overlap of a closed partial date with it),
    read from the person's year keys."""
    # EXISTS per person, not IN: a year like 1937 holds hundreds of thousands of arrests.
    return Q(Exists(_spans_holding(year).filter(person_id=OuterRef("pk"))))


def _spans_holding(year: int) -> QuerySet[YearKey]:
    return YearKey.objects.filter(first_year__lte=year, last_year__gte=year)


def _word_condition(word: TokenKeys, relation: str) -> tuple[Q, Case]:
    """The keys that match one word (a condition on ``name_keys``), and a score of the
    best kind of match read through the filtered ``relation``."""
    tiers, _ = _reading(word)
    score = Case(*(When(condition, then=Value(points))
                   for condition, points in tiers(f"{relation}__")),
                 default=Value(0), output_field=IntegerField())
    return _any(tiers("name_keys__")), score


def _fallbacks(word: TokenKeys):
    """Functions (field prefix -> [(condition, score)]), from the most exact reading.

    Every reading ends as a set of folded spellings matched exactly: the other sex's form
    and the sound are looked up in the vocabulary of spellings first (a few rows), so the
    keys of people hold spellings only.
    """
    vocabulary: dict[str, list[str]] = {}

    def looked_up(name, find):  # each lookup once per word, whatever the field prefix
        if name not in vocabulary:
            vocabulary[name] = find()
        return vocabulary[name]

    def spelled(prefix, probe=False):
        other_forms = looked_up("stem", lambda: [
            spelling for spelling in spellings_with_stem(word.stems - word.foldings)
            if spelling not in word.foldings])  # those are the exact reading
        return [(_key(prefix, key__in=sorted(word.foldings)), SCORE_EXACT),
                (_key(prefix, key__in=other_forms), SCORE_STEM)]

    def started_or_sounded(prefix, probe=False):
        starts = [(_starts_with(prefix, folded, probe=probe), SCORE_PREFIX)
                  for folded in sorted(word.foldings) if len(folded) >= MIN_PREFIX]
        sounding = looked_up("sound", lambda: spellings_sounding(word.phonetic))
        return [*starts, (_key(prefix, key__in=sounding), SCORE_PHONETIC)]

    def mistyped(prefix, probe=False):
        # [""] rather than nothing: a condition that can match nobody, which a filtered
        # relation accepts (an empty IN has no SQL).
        similar = looked_up("typo", lambda: similar_spellings(word.folded) or [""])
        return [(_key(prefix, key__in=similar), SCORE_TYPO)]

    yield spelled
    yield started_or_sounded
    if trigram_available():
        yield mistyped


def _any(tiers: list[tuple[Q, int]]) -> Q:
    return reduce(lambda a, b: a | b, (condition for condition, _ in tiers))


def _key(prefix: str, **lookups) -> Q:
    return Q(**{f"{prefix}{name}": value for name, value in lookups.items()})


def _starts_with(prefix: str, folded: str, *, probe: bool = False) -> Q:
    """Keys starting with ``folded``, in a form each database can answer from an index.

    ``probe``: the condition is asked of one person's few keys at a time (a second word
    of the query). Written then so that no index of keys by their spelling can answer it:
    PostgreSQL otherwise walked every key starting with a common ``osip`` once per person
    the first word found (700 ms for a name that matches nobody), instead of reading the
    person's own half-dozen keys."""
    if probe:
        return Q(Exact(Substr(f"{prefix}key", 1, len(folded)), folded))
    if connection.vendor == "postgresql":  # LIKE 'x%' on the varchar_pattern_ops index
        return _key(prefix, key__startswith=folded)
    # SQLite's LIKE ignores the index; a range over the binary-ordered keys does not.
    return _key(prefix, key__gte=folded, key__lt=folded + "{")


def spellings_with_stem(stems: Iterable[str]) -> list[str]:
    """Spellings of the vocabulary that are ``stems`` with a suffix of sex (ivan: Ivanov,
    Ivanova)."""
    stems = sorted(stems)
    if not stems:
        return []
    return sorted(NameSpelling.objects.filter(stem__in=stems).values_list("key", flat=True))


def spellings_sounding(codes: Iterable[str]) -> list[str]:
    """Spellings of the vocabulary with one of these Daitch–Mokotoff ``codes``."""
    codes = sorted(codes)
    if not codes:
        return []
    return sorted(set(NameSound.objects.filter(code__in=codes)
                      .values_list("spelling", flat=True)))


def similar_spellings(folded: str, limit: int = TYPO_SPELLINGS) -> list[str]:
    """Spellings in the registry's vocabulary most like ``folded`` (PostgreSQL only)."""
    from django.contrib.postgres.search import TrigramSimilarity

    return list(NameSpelling.objects.filter(key__trigram_similar=folded)
                .annotate(similarity=TrigramSimilarity("key", folded))
                .order_by("-similarity", "key").values_list("key", flat=True)[:limit])


def nearest_names(people: QuerySet[Person], query: str | ParsedQuery, limit: int = 5) -> list[str]:
    """Surnames of ``people`` spelled most like the query's words, for "did you mean"."""
    parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
    suggestions: list[str] = []
    for word in parsed.words:
        for keys in _keys_spelled_like(word.folded):
            # A common name has tens of thousands of people: a few of them name its
            # surnames. Collecting them all took over 30 s at a million people.
            sample = keys.values("person_id")[:SUGGESTION_SAMPLE]
            for surname in (people.filter(pk__in=sample).order_by("surname")
                            .values_list("surname", flat=True).distinct()):
                if surname not in suggestions:
                    suggestions.append(surname)
            if len(suggestions) >= limit:
                return suggestions[:limit]
    return suggestions


def _keys_spelled_like(folded: str):
    """Published people's folded keys spelled like ``folded``: one queryset per spelling,
    the most similar first."""
    keys = NameKey.objects.filter(published=True)
    if trigram_available():
        for spelling in similar_spellings(folded):
            yield keys.filter(key=spelling)
    else:  # no similarity on SQLite: names that begin the same way
        yield keys.filter(key__startswith=folded[:2])


def matched_variant(person: Person, parsed: ParsedQuery):
    """The name variant that the query matched, when it matched a variant better than the
    primary name (so a result found by ``Bajtursynow`` says why). Uses prefetched variants."""
    if not parsed.words:
        return None
    primary = _words_matched(parsed, (person.surname, person.given_name, person.patronymic,
                                      person.maiden_name))
    best, best_count = None, primary
    for variant in person.variants.all():
        count = _words_matched(parsed, (variant.surname, variant.given_name,
                                        variant.patronymic))
        if count > best_count:
            best, best_count = variant, count
    return best


def _words_matched(parsed: ParsedQuery, names) -> int:
    """How many query words some word of ``names`` spells the same way."""
    spellings = set()
    for name in names:
        for token in search_keys(name or ""):
            spellings |= token.foldings
    return sum(1 for word in parsed.words if word.foldings & spellings)
