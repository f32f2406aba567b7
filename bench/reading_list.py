"""Benchmark: a "Returning the Names" reading list for a whole town on 1,000,000 people.

    make bench-reading
    .venv/bin/python bench/reading_list.py \
        --database-url postgres://postgres@127.0.0.1:55432/registry_bench \
        --query "place=Алма-Ата&arrest_year_min=1937&arrest_year_max=1938"

Reads only (never writes to the database): it runs the real views in this process through
Django's test client (no network, DEBUG off) and prints, for the chosen list, how many
people it holds, the time of the first screen of the list (count + a page of portions),
the time to the first byte and the whole streamed text and CSV downloads, their sizes and
the peak memory of this process. Each is run ``--repeat`` times; the best and the worst
are printed (the first run also warms PostgreSQL's buffers).
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_QUERY = "place=Алма-Ата&arrest_year_min=1937&arrest_year_max=1938"


def setup(url: str):
    os.environ.update(DATABASE_URL=url, SECRET_KEY="bench", DEBUG="",
                      DJANGO_SETTINGS_MODULE="memorial.settings", ALLOWED_HOSTS="testserver")
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True,
                        help="the 1,000,000-person database (e.g. …/registry_bench)")
    parser.add_argument("--query", default=DEFAULT_QUERY, help="the list's query string")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    setup(args.database_url)

    from django.db import connection
    from django.test import Client

    from registry.models import Person

    client = Client()
    total_people = Person.objects.count()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}, "
          f"{total_people:,} people")
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


if __name__ == "__main__":
    main()
