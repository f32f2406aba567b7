"""Benchmark: how each cost grows with the registry's size (200,000 / 1,000,000 / 5,000,000).

    make bench-sizes                                   # DATABASE_URL=, SIZES=, SIZES_ARGS=
    .venv/bin/python bench/sizes.py --database-url postgres://postgres@127.0.0.1:55432/postgres \\
        [--sizes 200000,1000000,5000000]

For each size N, on that PostgreSQL server:
- the database of N demo people is made when missing (``registry_bench`` for 1,000,000,
  the database of ``make bench``; ``registry_bench_200k``, ``registry_bench_5m`` … for the
  others): migrate, ``generate_demo --count N`` timed, ``VACUUM ANALYZE``
  (``bench/search.py``'s ``prepare_database``; the build's time is kept as the database's
  comment, so a later run still reports it). An existing one is migrated when the code has
  migrations it lacks (then ``VACUUM ANALYZE``);
- then, each in a child process of its own, one after the other:
  ``bench/search.py`` (search through the API, uncached, per kind of query; the search
  pages of the filters; the ratio to the ranking SQL; profile pages),
  ``bench/reading_list.py --names 50000`` (a reading list of about 50,000 names whatever
  N is, streamed as text and CSV), and ``bench/import_records.py --template`` (a file of
  100,000 rows imported into a copy of the database, dropped after: rows/s and peak memory).

Last it prints a table (Markdown) of every cost at each size, how much it grew from the
smallest size to the largest (×) and the exponent b of a fit cost ∝ N^b (b ≈ 0: flat or
logarithmic; b ≈ 1: proportional to the registry), and marks the costs that grew faster
than log N. It draws the main costs into an SVG chart (``--svg``, by default
docs/performance-sizes.svg): people on a log-scale x axis, each cost relative to the
smallest size on a log-scale y axis, one line per cost, beside lines ∝ log N and ∝ N.

Every child's output (``*.log``) and figures (``*.json``) and all the figures together
(``sizes.json``) go to ``--out`` (by default .bench/sizes/<date-time>/);
``--from …/sizes.json`` prints the table and draws the chart again without measuring.
Measure on a quiet machine: the load average is printed before each benchmark.
"""

import argparse
import html
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import search  # noqa: E402 - a sibling script

DEFAULT_SIZES = "200000,1000000,5000000"
DEFAULT_SVG = ROOT / "docs" / "performance-sizes.svg"
BENCHMARKS = ("search", "reading", "import")


def database_name(people: int) -> str:
    """``registry_bench`` for search.py's own size, else ``registry_bench_200k``, ``_5m``…"""
    if people == search.BENCH_PEOPLE:
        return search.BENCH_DATABASE
    if people % 1_000_000 == 0:
        suffix = f"{people // 1_000_000}m"
    elif people % 1000 == 0:
        suffix = f"{people // 1000}k"
    else:
        suffix = str(people)
    return f"{search.BENCH_DATABASE}_{suffix}"


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def child(command: list[str], log: Path, verbose: bool) -> tuple[int, float]:
    """Run a benchmark script; its output goes to ``log`` (and here with --verbose)."""
    started = time.perf_counter()
    with log.open("w") as out:
        out.write("$ " + " ".join(command) + "\n")
        out.flush()
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        for line in process.stdout:
            out.write(line)
            if verbose:
                sys.stdout.write("    " + line)
        code = process.wait()
    return code, time.perf_counter() - started


def migrated(url: str) -> float | None:
    """Apply migrations the database lacks (then VACUUM ANALYZE); seconds, or None."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "DEBUG": ""}
    check = subprocess.run([sys.executable, "manage.py", "migrate", "--check", "-v0"],
                           env=env, cwd=ROOT, capture_output=True)
    if check.returncode == 0:
        return None
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v1"], env=env, cwd=ROOT,
                   check=True)
    subprocess.run(["psql", url, "-qc", "VACUUM ANALYZE"], check=True)
    return time.perf_counter() - started


def database_figures(url: str) -> dict:
    import psycopg

    with psycopg.connect(url) as connection:
        people, published, size = connection.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'published'),"
            " pg_database_size(current_database()) FROM registry_person").fetchone()
        events = connection.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE relname = 'registry_repressionevent'"
        ).fetchone()[0]
    return {"people": people, "published": published, "database_bytes": size,
            "events_estimate": events}


def measure_size(args, people: int, out: Path) -> dict:
    name = database_name(people)
    print(f"\n== {people:,} people: database {name} ==", flush=True)
    prepared = search.prepare_database(args.database_url, people, False, name)
    url = prepared["url"]
    record = {"people_wanted": people, "database": name, "built_now": bool(prepared["build"]),
              "build": prepared["build"] or search.build_comment(url)}
    record["migrate_seconds"] = migrated(url)
    if record["migrate_seconds"] is not None:
        print(f"  migrated (and VACUUM ANALYZE) in {record['migrate_seconds']:.0f} s")
    record.update(database_figures(url))
    build = record["build"]
    print(f"  {record['people']:,} people ({record['published']:,} published), "
          f"{record['database_bytes'] / 2**30:.2f} GiB; generate_demo: "
          + (f"{build['generate_demo_seconds']:.0f} s, {build['people_per_second']:,.0f} "
             f"people/s ({'now' if record['built_now'] else build.get('when', 'earlier')})"
             if build else "not timed (built before the build was recorded)"), flush=True)
    if args.build_only:
        return record
    python = sys.executable
    tag = name.removeprefix(search.BENCH_DATABASE).lstrip("_") or "1m"
    commands = {
        "search": [python, str(HERE / "search.py"), "--database-url", args.database_url,
                   "--database", name, "--people", str(people),
                   "--profiles", str(args.profiles), *(["--warm"] if args.warm else [])],
        "reading": [python, str(HERE / "reading_list.py"), "--database-url", url,
                    "--names", str(args.names), "--repeat", str(args.repeat), "--explain"],
        "import": [python, str(HERE / "import_records.py"), "--database-url",
                   args.database_url, "--template", name, "--rows", str(args.import_rows)],
    }
    for benchmark in args.only:
        figures = out / f"{benchmark}-{tag}.json"
        log = out / f"{benchmark}-{tag}.log"
        print(f"  {benchmark}: {load()} …", end=" ", flush=True)
        code, seconds = child([*commands[benchmark], "--json", str(figures)], log,
                              args.verbose)
        if code or not figures.exists():
            print(f"FAILED (exit {code}) after {seconds:.0f} s; see {log}")
            tail = log.read_text().splitlines()[-15:]
            print("\n".join("    " + line for line in tail))
            record[benchmark] = None
            continue
        print(f"{seconds:.0f} s ({log.name})", flush=True)
        record[benchmark] = json.loads(figures.read_text())
    return record


# --- The costs, from the figures of one size ------------------------------------------

def _get(record: dict, *path):
    value = record
    for key in path:
        if value is None:
            return None
        value = value.get(key) if isinstance(value, dict) else (
            value[key] if isinstance(value, list) and len(value) > key else None)
    return value


def _import_large(record: dict):
    imports = _get(record, "import", "imports") or []
    return imports[-1] if imports else None


def _kind_median(kind: str):
    return lambda r: _get(r, "search", "api", "by_kind", kind, "median_ms")


def _per(value, scale):
    return value * scale if value is not None else None


# (label, unit, how to read it from a size's record, charted as, higher is better?)
# Costs are times unless "rate": a rate is drawn as its inverse (time per unit).
COSTS = [
    ("database size", "GiB", lambda r: _per(r.get("database_bytes"), 1 / 2**30), None, False),
    ("generate_demo", "people/s", lambda r: _get(r, "build", "people_per_second"),
     "generate_demo, time a person", True),
    ("search, all API queries: median", "ms",
     lambda r: _get(r, "search", "api", "all", "median_ms"), "search median", False),
    ("search, all API queries: p95", "ms",
     lambda r: _get(r, "search", "api", "all", "p95_ms"), "search p95", False),
    ("search, all API queries: max", "ms",
     lambda r: _get(r, "search", "api", "all", "max_ms"), None, False),
    *[(f"search, {kind}: median", "ms", _kind_median(kind), None, False)
      for kind in ("exact", "latin", "german", "typo", "female form", "two names + year",
                   "surname + year", "no match", "filter alone")],
    ("search, filter alone (API): p95", "ms",
     lambda r: _get(r, "search", "api", "by_kind", "filter alone", "p95_ms"), None, False),
    ("ratio of our search to its ranking SQL", "×",
     lambda r: _get(r, "search", "name_queries", "ratio_ours_floor"), None, False),
    ("filter pages with counts: median", "ms",
     lambda r: _get(r, "search", "filter_pages", "median_ms"), "filter pages median", False),
    ("filter pages with counts: max", "ms",
     lambda r: _get(r, "search", "filter_pages", "max_ms"), None, False),
    ("profile page: median", "ms", lambda r: _get(r, "search", "profiles", "median_ms"),
     None, False),
    ("profile page: p95", "ms", lambda r: _get(r, "search", "profiles", "p95_ms"),
     "profile p95", False),
    ("reading list: names in it", "names", lambda r: _get(r, "reading", "names"), None, None),
    ("reading list: first screen, cold count", "s",
     lambda r: _get(r, "reading", "page", "worst_s"), None, False),
    ("reading list: text download, whole (best)", "s",
     lambda r: _get(r, "reading", "txt", "best_s"), "reading list, text", False),
    ("reading list: CSV download, whole (best)", "s",
     lambda r: _get(r, "reading", "csv", "best_s"), None, False),
    ("reading list: peak memory", "MiB", lambda r: _get(r, "reading", "peak_memory_mib"),
     None, False),
    ("import: rows/s", "rows/s", lambda r: _get(_import_large(r), "rows_per_second"),
     "import, time a row", True),
    ("import: peak memory", "MiB", lambda r: _get(_import_large(r), "peak_memory_mib"),
     None, False),
    ("import: re-import unchanged, rows/s", "rows/s",
     lambda r: _get(r, "import", "reimport", "rows_per_second"), None, True),
]


def _shown(value, unit: str) -> str:
    if value is None:
        return "—"
    if unit in ("people/s", "rows/s", "names"):
        return f"{value:,.0f}"
    if unit == "×":
        return f"{value:.2f}"
    if unit == "ms":
        return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"
    if unit == "s":
        return f"{value:.2f}" if value < 10 else f"{value:.1f}"
    if unit == "GiB":
        return f"{value:.2f}"
    return f"{value:,.0f}"


def growth_of(value_first, value_last, rate: bool | None):
    """How much the cost grew: ×, a time's growth (a rate's: its inverse)."""
    if not value_first or not value_last:
        return None
    return value_first / value_last if rate else value_last / value_first


def exponent(points: list[tuple[int, float]], rate: bool | None) -> float | None:
    """b of a least-squares fit cost ∝ N^b on log-log axes (a rate: its inverse)."""
    points = [(n, (1 / v if rate else v)) for n, v in points if v]
    if len(points) < 2:
        return None
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(v) for _, v in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / spread


def table(records: list[dict]) -> list[str]:
    sizes = [r["people"] for r in records]
    log_growth = math.log(sizes[-1]) / math.log(sizes[0]) if len(sizes) > 1 else None
    head = ["cost", "unit", *(f"{n:,}" for n in sizes)]
    if log_growth:
        head += [f"× {sizes[0]:,} → {sizes[-1]:,}", "b (∝ N^b)", "faster than log N?"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for label, unit, read, _, rate in COSTS:
        values = [read(r) for r in records]
        if all(v is None for v in values):
            continue
        row = [label, unit, *(_shown(v, unit) for v in values)]
        if log_growth:
            grew = growth_of(values[0], values[-1], rate)
            slope = exponent(list(zip(sizes, values, strict=True)), rate)
            row += ["—" if grew is None else f"{grew:.2f}",
                    "—" if slope is None else f"{slope:+.2f}",
                    "" if rate is None or grew is None or unit in ("GiB", "names") else
                    ("**yes**" if grew > log_growth * 1.25 else "no")]
        lines.append("| " + " | ".join(row) + " |")
    if log_growth:
        lines.append("")
        lines.append(f"From {sizes[0]:,} to {sizes[-1]:,} people: N grew ×{sizes[-1] / sizes[0]:g}"
                     f", log N ×{log_growth:.2f}. \"Faster than log N\": the cost grew more than"
                     f" 1.25 × log N's growth (a margin for run-to-run noise); a rate (people/s,"
                     f" rows/s) counts as its inverse, a time per item.")
    return lines


# --- The chart -----------------------------------------------------------------------

# Okabe–Ito colours (told apart with colour blindness) and a dash pattern each.
STYLES = [("#0072B2", ""), ("#D55E00", "8 4"), ("#009E73", ""), ("#CC79A7", "2 3"),
          ("#E69F00", ""), ("#56B4E9", "8 3 2 3"), ("#000000", "")]


def _x(text) -> str:
    return html.escape(str(text), quote=True)


def chart(records: list[dict], when: str) -> str:
    """The SVG: people (log x) against each cost relative to the smallest size (log y)."""
    sizes = [r["people"] for r in records]
    first = sizes[0]
    lines = []
    for label, unit, read, charted, rate in COSTS:
        if not charted:
            continue
        values = [read(r) for r in records]
        points = [(n, v) for n, v in zip(sizes, values, strict=True) if v]
        if not points or values[0] is None:
            continue
        growth = [(n, growth_of(values[0], v, rate)) for n, v in points]
        shown = [f"{_shown(v, unit)} {unit}" for _, v in points]
        lines.append((charted, growth, shown, label))
    references = [("∝ log N", [(n, math.log(n) / math.log(first)) for n in sizes]),
                  ("∝ N", [(n, n / first) for n in sizes])]

    width, height = 960, 560
    left, right, top, bottom = 80, 330, 78, 70
    plot_w, plot_h = width - left - right, height - top - bottom
    low_x, high_x = math.log10(min(sizes)), math.log10(max(sizes))
    if high_x - low_x < 0.5:
        low_x, high_x = low_x - 0.3, high_x + 0.3
    pad = (high_x - low_x) * 0.06
    low_x, high_x = low_x - pad, high_x + pad
    ys = [g for _, growth, _, _ in lines for _, g in growth if g]
    ys += [g for _, ref in references for _, g in ref]
    low_y = math.log2(min([1.0, *ys])) - 0.4
    high_y = math.log2(max([2.0, *ys])) + 0.4

    def px(n):
        return left + (math.log10(n) - low_x) / (high_x - low_x) * plot_w

    def py(g):
        return top + (high_y - math.log2(g)) / (high_y - low_y) * plot_h

    title = "How each cost grows with the registry's size"
    subtitle = (f"Each cost relative to {first:,} people; lower is better. "
                "Grey dashed: growth ∝ log N and ∝ N.")
    description = [f"{title}, measured {when} with bench/sizes.py. People in the registry on "
                   "a log-scale x axis; each cost relative to its value at "
                   f"{first:,} people on a log-scale y axis; lower is better."]
    for name, growth, shown, _ in lines:
        description.append(f"{name}: " + ", ".join(
            f"{n:,} people {s} (×{g:.2f})" for (n, g), s in zip(growth, shown, strict=True)))
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="title desc" '
           f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" '
           f'font-size="13">',
           f'<title id="title">{_x(title)}</title>',
           f'<desc id="desc">{_x(" ".join(description))}</desc>',
           f'<rect width="{width}" height="{height}" fill="#fff"/>',
           f'<text x="{left}" y="28" font-size="18" font-weight="600" fill="#111">'
           f'{_x(title)}</text>',
           f'<text x="{left}" y="50" fill="#444">{_x(subtitle)}</text>',
           f'<text x="{left}" y="66" fill="#666" font-size="12">'
           f'{_x(f"bench/sizes.py, {when}")}</text>']
    # Grid and axes.
    power = math.floor(low_y)
    while power <= high_y:
        if power >= low_y:
            y = py(2 ** power)
            svg.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
                       f'stroke="{"#bbb" if power == 0 else "#e6e6e6"}"/>')
            label = f"×{2 ** power:g}"
            svg.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" '
                       f'fill="#333">{_x(label)}</text>')
        power += 1
    for n in sizes:
        x = px(n)
        svg.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" '
                   f'stroke="#e6e6e6"/>')
        svg.append(f'<text x="{x:.1f}" y="{top + plot_h + 20}" text-anchor="middle" '
                   f'fill="#333">{n:,}</text>')
    svg.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
               f'stroke="#888"/>')
    svg.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 22}" text-anchor="middle" '
               f'fill="#111">people in the registry (log scale)</text>')
    svg.append(f'<text transform="translate(22 {top + plot_h / 2:.1f}) rotate(-90)" '
               f'text-anchor="middle" fill="#111">{_x(f"cost ÷ cost at {first:,} people")}'
               f' (log scale)</text>')
    # Lines: the references first, under the costs.
    labels = []
    for name, points in references:
        path = " ".join(f"{px(n):.1f},{py(g):.1f}" for n, g in points)
        svg.append(f'<polyline points="{path}" fill="none" stroke="#999" stroke-width="1.5" '
                   f'stroke-dasharray="5 5"><title>{_x(name)}</title></polyline>')
        labels.append((py(points[-1][1]), name, "#666", ""))
    for number, (name, growth, shown, _) in enumerate(lines):
        colour, dash = STYLES[number % len(STYLES)]
        path = " ".join(f"{px(n):.1f},{py(g):.1f}" for n, g in growth)
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        svg.append(f'<g><title>{_x(name + ": " + " → ".join(shown))}</title>'
                   f'<polyline points="{path}" fill="none" stroke="{colour}" '
                   f'stroke-width="2.5"{dashes}/>')
        for (n, g), value in zip(growth, shown, strict=True):
            svg.append(f'<circle cx="{px(n):.1f}" cy="{py(g):.1f}" r="4" fill="{colour}">'
                       f'<title>{_x(f"{name}, {n:,} people: {value} (×{g:.2f})")}</title>'
                       f'</circle>')
        svg.append("</g>")
        unit = shown[0].rsplit(" ", 1)[1]
        labels.append((py(growth[-1][1]), name, colour,
                       " → ".join(value.rsplit(" ", 1)[0] for value in shown) + " " + unit))
    # Labels at the right, in the order of their lines, never on top of each other.
    labels.sort()
    gap = 30
    placed = []
    for y, *rest in labels:
        y = max(y, placed[-1][0] + gap) if placed else y
        placed.append([y, *rest])
    overflow = placed[-1][0] - (top + plot_h) if placed else 0
    if overflow > 0:
        for item in placed:
            item[0] -= overflow
        for i in range(1, len(placed)):  # pushed up past the top: spread down again
            placed[i][0] = max(placed[i][0], placed[i - 1][0] + gap)
    x_label = left + plot_w + 14
    for (y, name, colour, values), (end_y, *_) in zip(placed, sorted(labels), strict=True):
        svg.append(f'<line x1="{left + plot_w}" y1="{end_y:.1f}" x2="{x_label - 3}" '
                   f'y2="{y:.1f}" stroke="{colour}" stroke-width="1"/>')
        svg.append(f'<text x="{x_label}" y="{y - 1:.1f}" fill="{colour}" font-weight="600">'
                   f'{_x(name)}</text>')
        if values:
            svg.append(f'<text x="{x_label}" y="{y + 13:.1f}" fill="#333" font-size="12">'
                       f'{_x(values)}</text>')
    svg.append("</svg>")
    return "\n".join(svg) + "\n"


def report(records: list[dict], svg_path: Path, when: str) -> None:
    records = sorted(records, key=lambda r: r["people"])
    print("\n" + "\n".join(table(records)))
    reading = [(r["people"], _get(r, "reading", "query")) for r in records
               if _get(r, "reading", "query")]
    if reading:
        print("\nThe reading lists: " + "; ".join(f"{n:,}: {q}" for n, q in reading))
    svg_path.write_text(chart(records, when))
    print(f"\nchart: {svg_path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url",
                        help="a PostgreSQL server (any database on it); the databases are "
                             "made there")
    parser.add_argument("--sizes", default=DEFAULT_SIZES,
                        help=f"people in each registry, comma-separated (default {DEFAULT_SIZES})")
    parser.add_argument("--only", default=",".join(BENCHMARKS),
                        help=f"which benchmarks, comma-separated (default {','.join(BENCHMARKS)})")
    parser.add_argument("--names", type=int, default=50_000,
                        help="names in the reading list (default 50,000)")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--profiles", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each reading list")
    parser.add_argument("--warm", action="store_true",
                        help="search: read the tables and indexes into the operating "
                             "system's cache first (bench/search.py --warm)")
    parser.add_argument("--build-only", action="store_true",
                        help="only make (and time) the databases that are missing")
    parser.add_argument("--out", type=Path, help="where the logs and figures go "
                                                 "(default .bench/sizes/<date-time>/)")
    parser.add_argument("--svg", type=Path, default=DEFAULT_SVG)
    parser.add_argument("--from", dest="from_json", type=Path,
                        help="a sizes.json of an earlier run: print and draw it again")
    parser.add_argument("--verbose", action="store_true", help="show the children's output")
    args = parser.parse_args()
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        report(saved["sizes"], args.svg, saved["when"])
        return
    if not args.database_url:
        parser.error("--database-url is required (or --from)")
    args.only = [b.strip() for b in args.only.split(",") if b.strip()]
    if unknown := set(args.only) - set(BENCHMARKS):
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    when = time.strftime("%Y-%m-%d %H:%M")
    out = args.out or ROOT / ".bench" / "sizes" / time.strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    print(f"sizes: {', '.join(f'{n:,}' for n in sizes)}; benchmarks: {', '.join(args.only)}; "
          f"cores: {os.cpu_count()}; {load()}; output: {out}")
    records = []
    for people in sizes:
        records.append(measure_size(args, people, out))
        (out / "sizes.json").write_text(json.dumps(
            {"when": when, "cores": os.cpu_count(), "sizes": records}, indent=2,
            ensure_ascii=False) + "\n")
    if args.build_only:
        return
    report(records, args.svg, when)
    print(f"figures: {out / 'sizes.json'}")


if __name__ == "__main__":
    main()
