"""Benchmark: a "Returning the Names" reading list for a whole town on 1,000,000 people.

    make bench-reading
    .venv/bin/python bench/reading_list.py \
        --database-url postgres://postgres@127.0.0.1:55432/registry_bench \
        --query "place=Алма-Ата&arrest_year_min=1937&arrest_year_max=1938"
    .venv/bin/python bench/reading_list.py \
        --database-url postgres://postgres@127.0.0.1:55432/registry_bench_5m --names 50000

Reads only (never writes to the database): it runs the real views in this process through
Django's test client (no network, DEBUG off) and prints, for the chosen list, how many
people it holds, the time of the first screen of the list (count + a page of portions),
the time to the first byte and the whole streamed text and CSV downloads, their sizes and
the peak memory of this process. Each is run ``--repeat`` times; the best and the worst
are printed (the first run also warms PostgreSQL's buffers).

A fixed query selects more people the larger the registry. ``--names N`` chooses instead
a list of about N names whatever the registry's size: everyone executed on a date known
to lie on or before a day D (``executed_to=D``, one of the reading list's own filters),
with D the day whose list is nearest to N. The days are read from one count per day of
the same selection (the same ``PersonFilter`` and published gate as the views); the list
and its exact size are printed. ``--query`` then narrows the people it is chosen from
(e.g. ``--query place=Kazakhstan --names 50000``: a region's list of 50,000).
``--json PATH`` writes the figures; ``--explain`` prints (and puts in the JSON) the plan
of the list's query, run once with ``EXPLAIN (ANALYZE, BUFFERS)``.
"""

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_QUERY = "place=Алма-Ата&arrest_year_min=1937&arrest_year_max=1938"
# --names: executed on or before a day (the filter of /reading/ "executed to").
DAY_PARAMETER = "executed_to"


def setup(url: str):
    os.environ.update(DATABASE_URL=url, SECRET_KEY="bench", DEBUG="",
                      DJANGO_SETTINGS_MODULE="memorial.settings", ALLOWED_HOSTS="testserver",
                      # One client asks for every download here: no per-client limit.
                      REGISTRY_RENDER_RATE="1000000/m", REGISTRY_DOWNLOAD_RATE="1000000/h")
    import django
    from django.conf import settings

    django.setup()
    # No collectstatic here: pages link the stylesheet from its source, as the tests do.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def timed_stream(client, path: str) -> tuple[float, float, int, int]:
    """(seconds to the first chunk, seconds to the last, bytes, lines) of a download."""
    start = time.perf_counter()
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    first = None
    size = lines = 0
    for chunk in response.streaming_content:
        if first is None:
            first = time.perf_counter() - start
        size += len(chunk)
        lines += chunk.count(b"\n")
    return first or 0.0, time.perf_counter() - start, size, lines


def list_of_about(names: int, within: str) -> tuple[str, int]:
    """(query string, people) of the list of everyone executed on or before the day that
    brings the list nearest to ``names``, among the people ``within`` selects."""
    from django.db.models import Count
    from django.http import QueryDict

    from registry.views.reading import ReadingList

    def people(query: str):
        chosen = ReadingList(QueryDict(query))
        if not chosen.is_valid():
            raise SystemExit(f"not a valid list: {query} {chosen.filterset.errors}")
        return chosen.people

    # Any day after the last execution: the whole selection, counted per day of death.
    base = "&".join(part for part in (within, f"{DAY_PARAMETER}=9999-12-31") if part)
    per_day = (people(base).order_by().values_list("death_date_upper")
               .annotate(n=Count("id")).order_by("death_date_upper"))
    best, total = None, 0
    for day, count in per_day:
        total += count
        if best is None or abs(total - names) < abs(best[1] - names):
            best = (day, total)
        if total >= names:
            break
    if best is None:
        raise SystemExit(f"nobody executed on a known date in: {within or 'the registry'}")
    query = "&".join(part for part in (within, f"{DAY_PARAMETER}={best[0].isoformat()}")
                     if part)
    return query, people(query).count()


def explain(query: str) -> str:
    """The plan of the list's download query, run once (EXPLAIN ANALYZE, BUFFERS)."""
    from django.http import QueryDict

    from registry import reading
    from registry.views.reading import ReadingList

    return reading.for_reading(ReadingList(QueryDict(query)).people).explain(
        analyze=True, buffers=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True,
                        help="the 1,000,000-person database (e.g. …/registry_bench)")
    parser.add_argument("--query", default=None,
                        help=f"the list's query string (default {DEFAULT_QUERY}); with "
                             f"--names, what the list is chosen within (default everyone)")
    parser.add_argument("--names", type=int, default=None,
                        help="choose a list of about this many names (see above)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--explain", action="store_true",
                        help="print the plan of the list's query")
    parser.add_argument("--json", metavar="PATH", help="also write the figures to PATH")
    args = parser.parse_args()
    setup(args.database_url)

    from django.db import connection
    from django.test import Client

    from registry.models import Person

    client = Client()
    total_people = Person.objects.count()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}, "
          f"{total_people:,} people")
    chosen_in = None
    if args.names:
        started = time.perf_counter()
        args.query, counted = list_of_about(args.names, args.query or "")
        chosen_in = time.perf_counter() - started
        print(f"list of about {args.names:,} names: {counted:,} people, executed on or "
              f"before {args.query.rsplit('=', 1)[1]}"
              f"{' among ' + args.query.rsplit('&', 1)[0] if '&' in args.query else ''}"
              f" (chosen in {chosen_in:.1f} s)")
    elif args.query is None:
        args.query = DEFAULT_QUERY
    print(f"list: /reading/list/?{args.query}")
    results = {"page": [], "txt": [], "csv": []}
    for _ in range(args.repeat):
        start = time.perf_counter()
        page = client.get(f"/reading/list/?{args.query}")
        assert page.status_code == 200, page.status_code
        results["page"].append(time.perf_counter() - start)
        results["txt"].append(timed_stream(client, f"/reading/list.txt?{args.query}&size=50"))
        results["csv"].append(timed_stream(client, f"/reading/list.csv?{args.query}&size=50"))
    names = results["txt"][0][3] - 1 - 3 * ((results["csv"][0][3] - 1 + 49) // 50)
    csv_rows = results["csv"][0][3] - 1
    print(f"names in the list: {csv_rows:,} (text lines of names: {names:,})")
    pages = results["page"]
    print(f"first screen (count + 500 names in portions): best {min(pages):.2f} s, "
          f"worst {max(pages):.2f} s")
    for kind in ("txt", "csv"):
        firsts = [r[0] for r in results[kind]]
        totals = [r[1] for r in results[kind]]
        size = results[kind][0][2]
        print(f"{kind} download, streamed: first byte {min(firsts):.2f} s; whole list best "
              f"{min(totals):.2f} s, worst {max(totals):.2f} s; {size / 2**20:.1f} MiB "
              f"({csv_rows / min(totals):,.0f} names/s)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:.0f} MiB")
    plan = None
    if args.explain:
        plan = explain(args.query)
        print("\nplan of the list's query (EXPLAIN ANALYZE, BUFFERS):\n" + plan)
    if args.json:
        result = {
            "database": connection.settings_dict["NAME"], "people": total_people,
            "query": args.query, "names_wanted": args.names, "chosen_seconds": chosen_in,
            "names": csv_rows, "text_names": names, "repeat": args.repeat,
            "page": {"best_s": min(pages), "worst_s": max(pages)},
            "peak_memory_mib": peak, "plan": plan,
            "when": time.strftime("%Y-%m-%d %H:%M:%S %z")}
        for kind in ("txt", "csv"):
            runs = results[kind]
            result[kind] = {"first_byte_best_s": min(r[0] for r in runs),
                            "best_s": min(r[1] for r in runs),
                            "worst_s": max(r[1] for r in runs),
                            "bytes": runs[0][2], "lines": runs[0][3],
                            "names_per_second": csv_rows / min(r[1] for r in runs)}
        Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
