"""Benchmark: import_records speed and memory.

Writes a synthetic CSV that uses every import column, imports it into a fresh database
with ``manage.py import_records`` in a child process, and prints rows per second and the
peak memory of that import. A small file is imported first: if the peak memory of the
large file is about the same, memory does not grow with the file.

    .venv/bin/python bench/import_records.py --rows 100000
    .venv/bin/python bench/import_records.py --rows 100000 \
        --database-url postgres://postgres@127.0.0.1:55432/postgres

For PostgreSQL, the URL names a server; a fresh database is made on it and dropped after.
``--template NAME`` imports into a registry that already holds people instead: the fresh
database is a copy of the database NAME on that server (``CREATE DATABASE … TEMPLATE NAME
STRATEGY FILE_COPY``: a copy of its files, not of its rows; NAME itself is only read, and
nobody else may be connected to it meanwhile), dropped after like the empty one. The copy
keeps the planner's statistics of NAME; its time is printed apart, not in the import's.

    .venv/bin/python bench/import_records.py --rows 100000 \
        --database-url postgres://postgres@127.0.0.1:55432/postgres \
        --template registry_bench_5m --json import-5m.json
Times include the child's Django start-up (about half a second), so they understate speed.
Beside the wall-clock time, the child's CPU time (user + system) is printed: on a shared
machine it varies less than the wall clock. It includes the import's own reading process;
with PostgreSQL the server's work is not in it (it runs in the server's processes).
"""

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SURNAMES = ["Иванов", "Петров", "Байтурсынов", "Дулатов", "Шмидт", "Ким", "Ковальчук",
            "Гольдберг", "Сейфуллин", "Кузнецов", "Вишневский", "Мамедов", "Цой", "Мюллер"]
GIVEN = ["Иван", "Ахмет", "Мыржакып", "Пётр", "Фридрих", "Иосиф", "Сакен", "Николай"]
FATES = ["executed", "died_in_custody", "survived", "unknown", "died_in_exile"]
CAMPS = ["ALZHIR", "Karlag", "Steplag", "Dallag", "Siblag", ""]
PLACES = ["Акмолинск", "Алма-Ата", "Караганда", "Москва", "Семипалатинск", "Томск"]


def write_csv(path: Path, rows: int, seed: int = 1937):
    rng = random.Random(seed)
    from registry.importer import COLUMNS

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for number in range(rows):
            surname, given = rng.choice(SURNAMES), rng.choice(GIVEN)
            fate = rng.choice(FATES)
            year = rng.choice([1937, 1938])
            arrest_day = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{year}"
            death = f"{rng.randint(1, 28)}.{rng.randint(1, 12)}.1938" if fate == "executed" else ""
            writer.writerow({
                "external_id": f"bench-{number}", "surname": surname, "given_name": given,
                "patronymic": "Петрович", "maiden_name": "",
                "name_variants": f"{surname}ov {given}; {surname}ow {given}",
                "sex": "male", "birth_date": rng.choice(["1890", "около 1900", "12.03.1895"]),
                "birth_place": rng.choice(PLACES), "nationality": "казах",
                "occupation": "учитель", "residence": "г. Акмолинск, ул. Ленина, 5",
                "arrest_date": arrest_day, "arrest_place": rng.choice(PLACES),
                "authority": "NKVD troika", "article": "58-10", "sentence": "10 years ITL",
                "sentence_date": "1938", "camp": rng.choice(CAMPS), "death_date": death,
                "death_place": "", "fate": fate, "rehabilitation_date": "1958",
                "biography": "Synthetic benchmark row.", "source": "Bench Book of Memory",
                "source_detail": f"p. {number // 40}",
            }.get(column, "") for column in COLUMNS)


def run(command: list[str], env: dict) -> tuple[float, float, float]:
    """Run a child; return its wall-clock seconds, CPU seconds and peak memory (MiB).

    The figures are this child's own (os.wait4), not the maximum over every child so far,
    which would include ``migrate``.
    """
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, command)
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--small-rows", type=int, default=10_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--template", default="",
                        help="PostgreSQL: import into a copy of this database of the server")
    parser.add_argument("--json", metavar="PATH", help="also write the figures to PATH")
    args = parser.parse_args()
    if args.template and not args.database_url.startswith("postgres"):
        parser.error("--template needs --database-url of a PostgreSQL server")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "memorial.settings")
    os.environ.setdefault("SECRET_KEY", "bench")
    import django

    django.setup()  # the column list lives in the importer

    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    copied = time.perf_counter()
    database_url, cleanup = fresh_database(args.database_url, workdir, args.template)
    copied = time.perf_counter() - copied
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench",
           "DEBUG": "", "CONN_MAX_AGE": "0"}
    python = sys.executable
    held = database_bytes = 0
    try:
        subprocess.run([python, "manage.py", "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        if args.template:
            held, database_bytes = people_held(database_url)
        results = []
        for rows in (args.small_rows, args.rows):
            path = workdir / f"people-{rows}.csv"
            write_csv(path, rows)
            seconds, cpu, peak_mib = run([python, "manage.py", "import_records", str(path),
                                          "--status", "published", "--source", "Bench"], env)
            results.append((rows, seconds, cpu, peak_mib))
            # Re-importing the same file updates nothing: the cost of an idempotent re-run.
        reimport, _, _ = run([python, "manage.py", "import_records", str(path), "--status",
                           "published"], env)
    finally:
        cleanup()
    engine = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    print(f"database: {engine}; cores: {os.cpu_count()}")
    if args.template:
        print(f"into a copy of {args.template}: {held:,} people before the import "
              f"({database_bytes / 2**30:.1f} GiB; copied in {copied:.0f} s)")
    for rows, seconds, cpu, peak in results:
        print(f"import {rows:>8} rows: {seconds:7.1f} s  {rows / seconds:8.0f} rows/s  "
              f"(child CPU {cpu:6.1f} s)  peak memory of the import {peak:6.0f} MiB")
    print(f"re-import {args.rows} unchanged rows: {reimport:.1f} s "
          f"({args.rows / reimport:.0f} rows/s)")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "engine": engine, "template": args.template or None, "people_before": held,
            "database_bytes_before": database_bytes or None,
            "copy_seconds": copied if args.template else None, "cores": os.cpu_count(),
            "imports": [{"rows": rows, "seconds": seconds, "rows_per_second": rows / seconds,
                         "cpu_seconds": cpu, "peak_memory_mib": peak}
                        for rows, seconds, cpu, peak in results],
            "reimport": {"rows": args.rows, "seconds": reimport,
                         "rows_per_second": args.rows / reimport},
            "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        }, indent=2) + "\n")


def people_held(url: str) -> tuple[int, int]:
    """How many people the database at ``url`` holds, and its size in bytes."""
    import psycopg

    with psycopg.connect(url) as connection:
        return connection.execute("SELECT (SELECT count(*) FROM registry_person),"
                                  " pg_database_size(current_database())").fetchone()


def fresh_database(server_url: str, workdir: Path, template: str = ""):
    """(URL, drop) of an empty database, or of a copy of ``template`` on the server."""
    if not server_url:
        return f"sqlite:///{workdir / 'bench.sqlite3'}", lambda: None
    import psycopg
    from psycopg import sql

    name = f"bench_import_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as connection:
        if not template:
            connection.execute(f'CREATE DATABASE "{name}"')
        else:
            others = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                [template]).fetchone()[0]
            if others:
                raise SystemExit(f"{template} cannot be copied: {others} other connection(s)"
                                 f" to it (pg_stat_activity); stop them and run again")
            connection.execute(sql.SQL(
                "CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                    sql.Identifier(name), sql.Identifier(template)))

    def drop():
        with psycopg.connect(server_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')

    return server_url.rsplit("/", 1)[0] + f"/{name}", drop


if __name__ == "__main__":
    main()
