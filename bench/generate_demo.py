"""Benchmark: generate_demo speed on a fresh database.

    .venv/bin/python bench/generate_demo.py --count 100000
    .venv/bin/python bench/generate_demo.py --count 1000000 \
        --database-url postgres://postgres@127.0.0.1:55432/postgres
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_records import fresh_database  # noqa: E402 - a sibling script


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    database_url, cleanup = fresh_database(args.database_url,
                                           Path(tempfile.mkdtemp(prefix="bench-demo-")))
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench", "DEBUG": ""}
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=env, check=True,
                       cwd=ROOT)
        started = time.perf_counter()
        subprocess.run([sys.executable, "manage.py", "generate_demo", "--count",
                        str(args.count), "--seed", "1937"], env=env, check=True, cwd=ROOT)
        seconds = time.perf_counter() - started
    finally:
        cleanup()
    engine = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    rate = args.count / seconds
    print(f"database: {engine}; cores: {os.cpu_count()}")
    print(f"generate_demo {args.count} people: {seconds:.1f} s, {rate:.0f} people/s; "
          f"1,000,000 at this rate: {1_000_000 / rate / 60:.1f} min")


if __name__ == "__main__":
    main()
