"""Benchmark: search through the API and profile pages on a registry of 1,000,000 people.

    make bench                     # starts its own PostgreSQL cluster in .bench/ (first run:
                                   # builds the database with generate_demo, ~10 min)
    .venv/bin/python bench/search.py --database-url postgres://postgres@127.0.0.1:55432/postgres
    .venv/bin/python bench/search.py --database-url postgres://… \
        --database registry_bench_5m --people 5000000 --json search-5m.json

The database ``registry_bench`` on that server (or ``--database NAME``) is made the first
time (migrate, then ``generate_demo --count N``, timed, then ``VACUUM ANALYZE``) and reused
after; ``--rebuild`` makes it again. ``--json PATH`` also writes the figures printed below
(and the build's time, when this run built the database) as JSON, for ``bench/sizes.py``.
Then a fixed mix of queries (exact Cyrillic, Latin transliteration, German and Polish
spellings, typos, female forms, two names and a year, a common surname and a year, two
words that match nobody, a filter alone) goes through ``/api/v1/people/`` in this process
with Django's test client (no network, DEBUG off). Each query is asked **once, with every
kept page and count retired first**, as the first visitor after a publication meets it
(``--kept`` measures the kept pages instead: every query asked once to keep it, then
again). The script prints the median and p95 per kind and overall and the ten slowest
queries. The search page of each filter is timed the same way (it adds the counts beside
the filters). For the name queries it also times a naive ``icontains`` over the name
fields and variants, and the raw SQL of our own query (the floor), and prints the ratios.
Last, 200 profile pages of random published people, each asked once, uncached.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DATABASE = "registry_bench"
BENCH_PEOPLE = 1_000_000  # in BENCH_DATABASE
SEED = 1937
NAIVE_QUERIES = 30


def database_url(server_url: str, name: str) -> str:
    return server_url.rsplit("/", 1)[0] + "/" + name


def ensure_database(server_url: str, people: int, rebuild: bool,
                    name: str = BENCH_DATABASE) -> str:
    """The benchmark database ``name``, built with ``people`` demo people when it holds
    fewer (``people=0``: used as it is, never built)."""
    return prepare_database(server_url, people, rebuild, name)["url"]


def prepare_database(server_url: str, people: int, rebuild: bool,
                     name: str = BENCH_DATABASE) -> dict:
    """``ensure_database``, telling more: {"url", "database", "people" (held before any
    build), "build" (what ``build`` measured, or None when nothing was built)}."""
    import psycopg
    from psycopg import sql

    url = database_url(server_url, name)
    with psycopg.connect(server_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                               [name]).fetchone()
        if exists and rebuild:
            admin.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
            exists = None
        if not exists:
            if not people:
                raise SystemExit(f"database {name} does not exist: give --people to build it")
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(url) as connection:
        try:
            have = connection.execute("SELECT count(*) FROM registry_person").fetchone()[0]
        except psycopg.errors.UndefinedTable:
            have = 0
    if not people and not have:
        raise SystemExit(f"database {name} holds nobody: give --people to build it")
    built = build(url, people) if have < people else None
    return {"url": url, "database": name, "people": have, "build": built}


def build(url: str, people: int) -> dict:
    """migrate, ``generate_demo --count people`` (timed), ``VACUUM ANALYZE`` (timed).

    The times are also kept as the database's comment (``COMMENT ON DATABASE``), so that
    ``bench/sizes.py`` can report them on a later run (``build_comment``)."""
    import psycopg
    from psycopg import sql

    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "DEBUG": ""}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=env, check=True,
                   cwd=ROOT)
    with psycopg.connect(url) as connection:
        try:
            before = connection.execute("SELECT count(*) FROM registry_person").fetchone()[0]
        except psycopg.errors.UndefinedTable:
            before = 0
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "generate_demo", "--count", str(people),
                    "--seed", str(SEED)], env=env, check=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    subprocess.run(["psql", url, "-qc", "VACUUM ANALYZE"], check=True)
    vacuum = time.perf_counter() - started
    print(f"built: generate_demo {people:,} people in {seconds:.0f} s "
          f"({people / seconds:,.0f} people/s), then VACUUM ANALYZE")
    built = {"people": people, "people_before": before, "generate_demo_seconds": seconds,
             "people_per_second": (people - before) / seconds,
             "vacuum_analyze_seconds": vacuum,
             "when": time.strftime("%Y-%m-%d %H:%M:%S %z")}
    with psycopg.connect(url, autocommit=True) as connection:
        name = connection.info.dbname
        connection.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
            sql.Identifier(name), sql.Literal(BUILD_COMMENT + json.dumps(built))))
    return built


BUILD_COMMENT = "bench build: "


def build_comment(url: str) -> dict | None:
    """What ``build`` measured when it made the database at ``url``, if it did."""
    import psycopg

    with psycopg.connect(url) as connection:
        comment = connection.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
            " WHERE datname = current_database()").fetchone()[0]
    if comment and comment.startswith(BUILD_COMMENT):
        return json.loads(comment[len(BUILD_COMMENT):])
    return None


def query_mix(count: int = 200) -> list[tuple[str, dict]]:
    """(kind, API parameters): the same list for a seed, drawn from the demo's names."""
    from registry.demo import GROUPS, female_surname

    rng = random.Random(SEED)
    groups = list(GROUPS.values())

    def name():
        _, surnames, males, _, _ = rng.choice(groups)
        return rng.choice(surnames), rng.choice(males)

    def latin(text):
        from registry.demo import transliterate
        return transliterate(text)

    def german(text):
        out = latin(text).replace("zh", "sch").replace("sh", "sch").replace("ch", "tsch")
        return out.replace("v", "w").replace("kh", "ch").replace("y", "j")

    def typo(text):
        word = latin(text)
        i = rng.randrange(1, len(word) - 1) if len(word) > 3 else 1
        return word[:i] + word[i + 1:] if rng.random() < 0.5 else (
            word[:i] + word[i + 1:i + 2] + word[i:i + 1] + word[i + 2:])

    makers = {
        "exact": lambda: {"q": name()[0]},
        "latin": lambda: {"q": latin(name()[0])},
        "german": lambda: {"q": german(name()[0])},
        "typo": lambda: {"q": typo(name()[0])},
        "female form": lambda: {"q": latin(female_surname(name()[0]))},
        "two names + year": lambda: {"q": "{} {} {}".format(*name(), rng.randint(1870, 1920))},
        # What families type most: a surname and the year of the arrest.
        "surname + year": lambda: {"q": f"{name()[0]} {rng.choice([1937, 1938])}"},
        # Someone not (yet) in the registry: a common visit, not an edge case.
        "no match": lambda: {"q": rng.choice(NOBODY)},
        "filter alone": lambda: rng.choice([
            {"fate": "executed", "arrest_year_min": 1937, "arrest_year_max": 1937},
            {"camp": "karlag"}, {"nationality": "немец", "kind": "deportation"},
            {"article": "58-10", "rehabilitated": "true"},
            {"birth_year_min": 1900, "birth_year_max": 1905, "fate": "survived"},
        ]),
    }
    kinds = list(makers)
    return [(kind, makers[kind]()) for kind in (kinds[i % len(kinds)] for i in range(count))]


# Names of real people written in ways no demo name is (the demo draws from a fixed list).
NOBODY = ["Osip Mandelstamm", "Babel 1894", "Meyerhold Vsevolod", "Florensky Pavel",
          "Клюев Николай", "Kharms 1941", "Bokeikhanov Alikhan", "Жургенов Темирбек",
          "Seifullin Saken", "Pilnyak Boris"]


def retire_kept_pages() -> None:
    """What a publication of the old design did, and a deployment still does: nothing kept
    is served, every page, count and facet is computed again."""
    from django.core.cache import caches

    from registry.freshness import published_changed

    published_changed()
    for name in ("default", "pages"):
        caches[name].clear()


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def p95(times: list[float]) -> float:
    times = sorted(times)
    return times[max(0, int(round(0.95 * len(times))) - 1)]


def figures(times: list[float]) -> dict:
    """n, median, p95 and max of ``times`` (ms), for --json."""
    times = sorted(times)
    if not times:
        return {"n": 0}
    return {"n": len(times), "median_ms": statistics.median(times), "p95_ms": p95(times),
            "max_ms": times[-1]}


def summary(label: str, times: list[float]) -> str:
    times = sorted(times)
    return (f"{label:<22} n={len(times):>3}  median {statistics.median(times):7.1f} ms"
            f"  p95 {p95(times):7.1f} ms  max {times[-1]:7.1f} ms")


def measured(client, path: str, params: dict, kept: bool) -> tuple[float, object]:
    """(ms, response) of one request, uncached unless ``kept``."""
    if not kept:
        retire_kept_pages()
    response = None

    def call():
        nonlocal response
        response = client.get(path, params)
    return timed(call), response


def slowest(label: str, times: list[tuple[float, str]], count: int = 10) -> None:
    print(f"\n{label}, the {count} slowest:")
    for ms, query in sorted(times, reverse=True)[:count]:
        print(f"  {ms:8.1f} ms  {query}")


def run(url: str, profiles: int, kept: bool) -> dict:
    """Measure and print; return the figures (for --json)."""
    import tempfile

    os.environ.update(DATABASE_URL=url, SECRET_KEY="bench", DEBUG="",
                      DJANGO_SETTINGS_MODULE="memorial.settings", ALLOWED_HOSTS="testserver",
                      STATIC_ROOT=tempfile.mkdtemp(prefix="bench-static-"),
                      # One client here stands for many first visitors: no per-client limit.
                      REGISTRY_RENDER_RATE="1000000/m", REGISTRY_DOWNLOAD_RATE="1000000/h")
    # Pages link hashed static files, as in production: collect them first.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                   env=os.environ, check=True, cwd=ROOT)
    import django

    django.setup()
    from urllib.parse import urlencode

    from django.db import connection, transaction
    from django.db.models import Q
    from django.test import Client

    from registry.filters import PersonFilter
    from registry.models import Person
    from registry.pagination import people_paginator
    from registry.search import ranked_people

    client = Client()
    mix = query_mix()
    # Templates, translations and the connection, once: no visitor pays for those.
    client.get("/robots.txt")
    client.get("/api/v1/people/", {"q": "warm-up"})
    if kept:  # every query asked once to keep it, then measured
        for _, params in mix:
            client.get("/api/v1/people/", params)
    by_kind: dict[str, list[float]] = {}
    counts, every = [], []
    for kind, params in mix:
        ms, response = measured(client, "/api/v1/people/", params, kept)
        assert response.status_code == 200, (params, response.status_code)
        by_kind.setdefault(kind, []).append(ms)
        counts.append(response.json()["count"])
        every.append((ms, f"{kind}: {urlencode(params)}"))
    how = "kept pages" if kept else "each asked once, uncached"
    print(f"\nAPI search, {len(mix)} queries, {how}"
          f" (results per query: median {statistics.median(counts):,.0f}, max {max(counts):,})")
    for kind, times in by_kind.items():
        print("  " + summary(kind, times))
    print("  " + summary("all", [ms for ms, _ in every]))
    slowest("API search", every)
    result = {"kept": kept, "api": {
        "queries": len(mix), "results_median": statistics.median(counts),
        "results_max": max(counts),
        "by_kind": {kind: figures(times) for kind, times in by_kind.items()},
        "all": figures([ms for ms, _ in every]),
        "slowest": [{"ms": ms, "query": query} for ms, query in sorted(every, reverse=True)[:10]],
    }}

    filters = list({urlencode(params): params for kind, params in mix
                    if kind == "filter alone"}.values())
    pages = []
    for params in filters:
        ms, response = measured(client, "/search/", params, kept)
        assert response.status_code == 200, (params, response.status_code)
        pages.append((ms, urlencode(params)))
    print(f"\nSearch page of each filter alone, with the counts beside the filters "
          f"({'kept' if kept else 'uncached'}):")
    print("  " + summary("/search/?filters", [ms for ms, _ in pages]))
    slowest("Search page of a filter", pages, len(pages))
    result["filter_pages"] = {**figures([ms for ms, _ in pages]),
                              "pages": [{"ms": ms, "query": query} for ms, query in pages]}

    name_queries = [params["q"] for kind, params in mix if "q" in params]
    ours, naive, floor = [], [], []
    for number, query in enumerate(name_queries):
        def our_page(query=query):
            filterset = PersonFilter({"q": query}, queryset=Person.objects.published())
            filterset.is_valid()
            list(people_paginator(filterset, 20).page(1))
        ours.append(timed(our_page))

        def raw_sql(query=query):
            ranked_people(query).page(0, 20)
        floor.append(timed(raw_sql))

        def icontains(query=query):
            with transaction.atomic():
                # The baseline scans every name; it must not be cut by the timeout that
                # protects visitors (at 5,000,000 people it takes longer).
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL statement_timeout = 0")
                naive_page(query)

        def naive_page(query):
            condition = Q()
            for word in query.split():
                if word.isdigit():
                    continue
                word_condition = Q()
                for field in ("surname", "given_name", "patronymic", "maiden_name",
                              "variants__surname", "variants__given_name"):
                    word_condition |= Q(**{f"{field}__icontains": word})
                condition &= word_condition
            people = Person.objects.published().filter(condition).distinct()
            people.count()
            list(people.order_by("surname", "given_name", "id")[:20])
        if number < NAIVE_QUERIES:  # seconds each: a sample is enough for the ratio
            naive.append(timed(icontains))
    print(f"\nSame {len(name_queries)} name queries, one page of 20 and the count "
          f"(naive: the first {len(naive)}):")
    print("  " + summary("our search (ORM)", ours))
    print("  " + summary("its ranking SQL (floor)", floor))
    print("  " + summary("naive icontains", naive))
    print(f"  median ratio ours/floor {statistics.median(ours) / statistics.median(floor):.2f},"
          f" naive/ours {statistics.median(naive) / statistics.median(ours):.1f}")
    result["name_queries"] = {
        "ours": figures(ours), "floor": figures(floor), "naive": figures(naive),
        "ratio_ours_floor": statistics.median(ours) / statistics.median(floor),
        "ratio_naive_ours": statistics.median(naive) / statistics.median(ours)}

    rng = random.Random(SEED)
    high = Person.objects.order_by("-pk").values_list("pk", flat=True)[0]
    ids = []
    published = set()
    while len(ids) < profiles:
        batch = [rng.randint(1, high) for _ in range(profiles)]
        published |= set(Person.objects.published().filter(pk__in=batch)
                         .values_list("pk", flat=True))
        ids = sorted(published)[:profiles]
    rng.shuffle(ids)
    if kept:
        for pk in ids:
            client.get(f"/people/{pk}/")
    times = []
    for pk in ids:
        ms, response = measured(client, f"/people/{pk}/", {}, kept)
        assert response.status_code == 200
        times.append(ms)
    print(f"\nProfile pages ({'kept' if kept else 'each asked once, uncached'}):")
    print("  " + summary("/people/<id>/", times))
    result["profiles"] = figures(times)
    return result


def warm(url: str) -> None:
    """Read every table and index a visitor's page may use (not the revisions, which only
    moderators read) into the operating system's cache with ``pg_prewarm``: the state of a
    server that has answered visitors for a while. No query of the mix is asked: the kept
    pages and PostgreSQL's own caches of plans stay as cold as without it."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        # The registry's tables but their revisions, and the indexes of those tables.
        relations = connection.execute(
            "SELECT c.oid::regclass::text FROM pg_class c"
            " LEFT JOIN pg_index i ON i.indexrelid = c.oid"
            " JOIN pg_class t ON t.oid = coalesce(i.indrelid, c.oid)"
            " JOIN pg_namespace n ON n.oid = t.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')"
            " AND t.relname LIKE 'registry\\_%' AND t.relname NOT LIKE '%historical%'"
            ).fetchall()
        blocks = sum(connection.execute("SELECT pg_prewarm(%s::regclass, 'read')",
                                        [name]).fetchone()[0] for (name,) in relations)
    print(f"warmed: {len(relations)} tables and indexes, {blocks * 8 / 1024 / 1024:.1f} GiB "
          f"read in {time.perf_counter() - started:.0f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True,
                        help="a PostgreSQL server (any database on it); registry_bench is "
                             "made there")
    parser.add_argument("--database", default=BENCH_DATABASE,
                        help=f"the database on that server (default {BENCH_DATABASE})")
    parser.add_argument("--people", type=int, default=None,
                        help=f"build the database with this many demo people when it holds "
                             f"fewer (default {BENCH_PEOPLE:,} for {BENCH_DATABASE}; another "
                             f"--database is used as it is unless given)")
    parser.add_argument("--profiles", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--kept", action="store_true",
                        help="measure the kept pages (each query asked before) instead of "
                             "what the first visitor after a publication meets")
    parser.add_argument("--json", metavar="PATH",
                        help="also write the figures (and the build's time) to PATH as JSON")
    parser.add_argument("--warm", action="store_true",
                        help="first read the tables and indexes visitors' pages use into the "
                             "operating system's cache, as on a server that has run a while "
                             "(without: what the first visitors after a restart meet)")
    args = parser.parse_args()
    people = args.people
    if people is None:
        people = BENCH_PEOPLE if args.database == BENCH_DATABASE else 0
    prepared = prepare_database(args.database_url, people, args.rebuild, args.database)
    url = prepared["url"]
    print(f"database: {args.database}; cores: {os.cpu_count()}")
    if args.warm:
        warm(url)
    result = run(url, args.profiles, args.kept)
    result["warmed"] = args.warm
    if args.json:
        import psycopg

        with psycopg.connect(url) as connection:
            held, size = connection.execute(
                "SELECT (SELECT count(*) FROM registry_person),"
                " pg_database_size(current_database())").fetchone()
        result = {"database": args.database, "people": held, "database_bytes": size,
                  "cores": os.cpu_count(), "build": prepared["build"],
                  "when": time.strftime("%Y-%m-%d %H:%M:%S %z"), **result}
        Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
