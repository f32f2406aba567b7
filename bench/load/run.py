"""Load benchmark: locust's visitors and families against gunicorn on PostgreSQL.

    make bench-load DATABASE_URL=postgres://postgres@127.0.0.1:55432/registry_bench
    .venv/bin/python bench/load/run.py --database-url postgres://… [--duration 5m]
        [--users 200] [--workers 2] [--read-only] [--moderate-every 10]

The database must be migrated (with ``createcachetable``, as a deployment is). The script:
collects the static files into the run's folder; writes the plan (the 200 queries of
bench/search.py, 1,000 published profile ids, names for submissions; all from seed 1937);
starts ``gunicorn memorial.wsgi -w 2`` (threaded workers, the repository's gunicorn.conf.py)
with production settings (DEBUG off, a SECRET_KEY,
ALLOWED_HOSTS, WhiteNoise, e-mail to a dummy backend) and the per-client submission limit
raised through ``REGISTRY_SUBMISSION_RATE`` (every simulated family comes from 127.0.0.1,
which the real limit of 5 an hour would stop at once); requests every query and some
profiles once, as a server that has been running would have them cached; runs locust
headless (bench/load/locustfile.py: 70 % search, 25 % profiles, 5 % submissions) with
statistics reset once every user has started; prints requests/s, p50/p95/p99 and the
failures per kind of request; stops gunicorn. Exit status 1 when any request failed.

Submissions are real: a run adds about 1.3 pending submissions a second (from
``load-test@example.invalid``) to the database. ``--read-only`` leaves them out (searches
and profiles only, 74 %/26 %) for a database that must not change.
Everything of a run (plan, locust's CSV files, gunicorn's log) stays in .bench/load/<time>/.
"""

import argparse
import contextlib
import csv
import http.client
import importlib.util
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote_plus, urlencode

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SEED = 1937
PROFILES = 1000
LOAD_EMAIL = "load-test@example.invalid"
SUBMISSION_RATE = "1000000/h"
PROBE_INTERVAL = 0.1  # seconds between the probe's pages
TARGET_RPS, TARGET_P99 = 200, 300  # issue 7, for 5 minutes at a million people
ORDER = ["search", "profile", "submit form", "submit", "Aggregated"]


def server_environment(args, static_root: Path) -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "memorial.settings",
            "DATABASE_URL": args.database_url, "SECRET_KEY": "bench-load-not-secret",
            "DEBUG": "", "ALLOWED_HOSTS": "127.0.0.1,localhost", "STATIC_ROOT": str(static_root),
            "REGISTRY_SUBMISSION_RATE": SUBMISSION_RATE, "LOG_LEVEL": "WARNING",
            # Locust's 200 visitors share one address: each may compute its own page.
            "REGISTRY_RENDERS_PER_CLIENT": "1000", "REGISTRY_RENDER_RATE": "1000000/m",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}


def make_plan(read_only: bool) -> dict:
    """What locust plays: the same for every run on the same database."""
    from registry.demo import GROUPS

    search_benchmark = _module(ROOT / "bench" / "search.py")
    rng = random.Random(SEED)
    names = [(rng.choice(surnames), rng.choice(males), "")
             for _, surnames, males, _, _ in (rng.choice(list(GROUPS.values()))
                                              for _ in range(200))]
    return {"searches": [params for _, params in search_benchmark.query_mix()],
            "profiles": published_ids(rng), "names": names,
            "submissions": not read_only, "submitter_email": LOAD_EMAIL}


def published_ids(rng: random.Random) -> list[int]:
    """Up to PROFILES published people, drawn at random from the whole id range."""
    from registry.models import Person

    wanted = min(PROFILES, Person.objects.published().count())
    if not wanted:
        sys.exit("no published people in this database")
    high = Person.objects.order_by("-pk").values_list("pk", flat=True)[0]
    found: set[int] = set()
    while len(found) < wanted:
        draw = [rng.randint(1, high) for _ in range(PROFILES)]
        found |= set(Person.objects.published().filter(pk__in=draw).values_list("pk", flat=True))
    ids = sorted(found)[:wanted]
    rng.shuffle(ids)
    return ids


def _module(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem + "_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def start_gunicorn(args, environment: dict, log: Path) -> subprocess.Popen:
    server = subprocess.Popen(
        [BIN / "gunicorn", "memorial.wsgi", "--workers", str(args.workers),
         "--threads", str(args.threads), "--bind", f"127.0.0.1:{args.port}",
         "--log-level", "warning"],
        cwd=ROOT, env=environment, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True)  # its own process group: stop() ends the workers too
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped (see {log})")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{args.port}/robots.txt", timeout=5)
            return server
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    stop(server)
    sys.exit(f"gunicorn did not answer within a minute (see {log})")


def stop(server: subprocess.Popen) -> None:
    """gunicorn and every worker of it, even one stuck in a request (a worker left behind
    once held the port and the next run could not start)."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)


def warm_up(base: str, plan: dict) -> list[tuple[float, str]]:
    """Request every query and a hundred profiles once, one at a time; (ms, path) each."""
    paths = [f"/search/?{urlencode(query)}" for query in plan["searches"]]
    paths += [f"/people/{pk}/" for pk in plan["profiles"][:100]]
    times = []
    for path in paths:
        started = time.perf_counter()
        urllib.request.urlopen(base + path, timeout=60).read()
        times.append(((time.perf_counter() - started) * 1000, path))
    return times


def run_locust(args, base: str, plan_path: Path, folder: Path) -> int:
    command = [BIN / "locust", "-f", ROOT / "bench" / "load" / "locustfile.py", "--headless",
               "--host", base, "--users", str(args.users),
               "--spawn-rate", str(spawn_rate(args)),
               "--run-time", args.duration, "--reset-stats", "--stop-timeout", "10",
               "--csv", folder / "locust", "--only-summary", "--loglevel", "WARNING"]
    with (folder / "locust.log").open("w") as log:
        return subprocess.run(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                              env={**os.environ, "REGISTRY_LOAD_PLAN": str(plan_path)}
                              ).returncode


class Probe(threading.Thread):
    """One more visitor, beside locust's: a search or a profile every PROBE_INTERVAL seconds
    over a new connection, timed around the request alone.

    Locust times its requests inside one Python process among 200 green threads, on the
    same two cores as the server: on this machine it read /robots.txt, 0.3 ms in the
    server, as 50–90 ms at 200 requests/s. The probe waits on nothing but its own request,
    so what it reads is what a visitor arriving during the load waits.
    """

    def __init__(self, base: str, plan: dict, start_after: float):
        super().__init__(daemon=True)
        self.host, self.port = base.removeprefix("http://").split(":")
        self.paths = {"search": [f"/search/?{urlencode(query)}" for query in plan["searches"]],
                      "profile": [f"/people/{pk}/" for pk in plan["profiles"]]}
        self.start_after = start_after
        self.times: dict[str, list[float]] = {"search": [], "profile": []}
        self.failures = 0
        self.finished = threading.Event()

    def run(self):
        rng = random.Random(SEED)
        if self.finished.wait(self.start_after):
            return
        while not self.finished.wait(PROBE_INTERVAL):
            # Searches and profiles as locust asks them (140 : 50).
            kind = "search" if rng.random() < 140 / 190 else "profile"
            path = rng.choice(self.paths[kind])
            connection = http.client.HTTPConnection(self.host, int(self.port), timeout=30)
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                ok = False
            finally:
                connection.close()
            if ok:
                self.times[kind].append((time.perf_counter() - started) * 1000)
            else:
                self.failures += 1

    def report(self) -> None:
        every = sorted(t for times in self.times.values() for t in times)
        print(f"probe, one visitor among them (a page every {PROBE_INTERVAL} s, new "
              f"connection each; failures: {self.failures}):")
        for kind, times in (*self.times.items(), ("all", every)):
            if times:
                times = sorted(times)
                print(f"  {kind:<10} {len(times):>6,} pages  p50 {percentile(times, 50):6.1f} ms"
                      f"  p95 {percentile(times, 95):6.1f} ms  p99 {percentile(times, 99):6.1f} ms"
                      f"  max {times[-1]:6.1f} ms")


class Moderator(threading.Thread):
    """A moderator at work beside the visitors: every ``interval`` seconds one real person
    is hidden, and at the next turn published again, through the moderation services, so
    both kinds of change reach the kept pages (a withdrawal retires every list, a
    publication makes them late). The people are drawn from outside the plan's profiles,
    whose visitors would otherwise meet a 404 they did not cause. Whoever is hidden when the
    run ends is published again."""

    def __init__(self, plan: dict, interval: float, start_after: float):
        super().__init__(daemon=True)
        self.plan, self.interval, self.start_after = plan, interval, start_after
        self.actions: list[tuple[str, float]] = []
        self.errors: list[str] = []
        self.finished = threading.Event()

    def run(self):
        from django.contrib.auth import get_user_model
        from django.db import connection

        from registry import moderation
        from registry.models import Person

        moderator, _ = get_user_model().objects.get_or_create(
            username="load-moderator", defaults={"is_staff": True})
        rng = random.Random(SEED + 1)
        shown = set(self.plan["profiles"])
        hidden = None
        try:
            if self.finished.wait(self.start_after):
                return
            while not self.finished.wait(self.interval):
                started = time.perf_counter()
                try:
                    if hidden is None:
                        hidden = self._someone(Person, rng, shown)
                        moderation.person_hide(person=hidden, moderator=moderator,
                                               reason="load benchmark")
                        action = "hide"
                    else:
                        moderation.person_publish(person=hidden, moderator=moderator,
                                                  reason="load benchmark")
                        hidden, action = None, "publish"
                    self.actions.append((action, (time.perf_counter() - started) * 1000))
                except Exception as error:  # reported, and the run goes on
                    self.errors.append(repr(error))
        finally:
            if hidden is not None:
                moderation.person_publish(person=hidden, moderator=moderator,
                                          reason="load benchmark ended")
            connection.close()

    @staticmethod
    def _someone(person_model, rng, shown: set[int]):
        high = person_model.objects.order_by("-pk").values_list("pk", flat=True)[0]
        while True:
            person = person_model.objects.published().filter(pk=rng.randint(1, high)).first()
            if person is not None and person.pk not in shown:
                return person

    def report(self) -> None:
        for action in ("hide", "publish"):
            times = sorted(ms for done, ms in self.actions if done == action)
            if times:
                print(f"  {action:<8} {len(times):>3} times, {percentile(times, 50):.0f} ms "
                      f"each (max {times[-1]:.0f} ms)")
        for error in self.errors:
            print(f"  moderation failed: {error}")


def percentile(ordered: list[float], percent: int) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))]


def spawn_rate(args) -> int:
    return args.spawn_rate or max(1, args.users // 10)


def report_warm_up(times: list[tuple[float, str]]) -> None:
    seconds = sum(ms for ms, _ in times) / 1000
    print(f"warm-up: {len(times)} requests one at a time in {seconds:.0f} s; slowest:")
    for ms, path in sorted(times, reverse=True)[:5]:
        print(f"  {ms:7.0f} ms  {unquote_plus(path)}")


def report(folder: Path) -> int:
    """Print the figures per kind of request; the number of failed requests."""
    with (folder / "locust_stats.csv").open() as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    print(f"\n{'':<12} {'requests':>9} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'p99 ms':>7} {'max ms':>7} {'failures':>9}")
    for name in sorted(rows, key=lambda name: ORDER.index(name) if name in ORDER else 0):
        row = rows[name]
        label = "all" if name == "Aggregated" else name
        print(f"{label:<12} {int(row['Request Count']):>9,} {float(row['Requests/s']):>7.1f} "
              f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7} "
              f"{float(row['Max Response Time']):>7.0f} {int(row['Failure Count']):>9,}")
    failures = int(rows["Aggregated"]["Failure Count"])
    with (folder / "locust_failures.csv").open() as failed:
        for row in csv.DictReader(failed):
            print(f"  failed: {row['Occurrences']} × {row['Method']} {row['Name']}: "
                  f"{row['Error']}")
    print(f"errors: {failures}")
    every = rows["Aggregated"]
    met = (float(every["Requests/s"]) >= TARGET_RPS and float(every["99%"]) <= TARGET_P99
           and not failures)
    print(f"target ≥ {TARGET_RPS} requests/s with p99 ≤ {TARGET_P99} ms and no error: "
          f"{'met' if met else 'not met'}")
    return failures


def submissions_from_load() -> int:
    from registry.models import Submission

    return Submission.objects.filter(submitter_email=LOAD_EMAIL).count()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a migrated PostgreSQL database")
    parser.add_argument("--duration", default="5m", help="locust's --run-time (default 5m)")
    parser.add_argument("--users", type=int, default=200,
                        help="simulated people, each starting at most one task a second "
                             "(default 200: about 205 requests/s offered)")
    parser.add_argument("--spawn-rate", type=int, default=0,
                        help="users started per second (default: all within 10 s)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=4,
                        help="threads per worker (default 4; gunicorn.conf.py makes workers "
                             "threaded, as in production)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--read-only", action="store_true",
                        help="no submissions: for a database that must not change")
    parser.add_argument("--moderate-every", type=float, default=0, metavar="SECONDS",
                        help="a moderator hides or publishes again one real person every "
                             "SECONDS during the run (default: none)")
    args = parser.parse_args()

    folder = ROOT / ".bench" / "load" / datetime.now().strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True)
    environment = server_environment(args, folder / "static")
    os.environ.update(environment)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                   cwd=ROOT, env=environment, check=True)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from registry.models import Person

    plan = make_plan(args.read_only)
    plan_path = folder / "plan.json"
    plan_path.write_text(json.dumps(plan, ensure_ascii=False, indent=1))
    submitted_before = submissions_from_load()
    people, published = Person.objects.count(), Person.objects.published().count()
    connection.close()  # the benchmark's own connection stays out of the server's way

    base = f"http://127.0.0.1:{args.port}"
    server = start_gunicorn(args, environment, folder / "gunicorn.log")
    probe = moderator = None
    try:
        print(f"database {connection.settings_dict['NAME']}: {people:,} people, "
              f"{published:,} published; gunicorn -w {args.workers} --threads {args.threads}; "
              f"{os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}")
        report_warm_up(warm_up(base, plan))
        mix = ("searches and profiles only (read-only)" if args.read_only
               else "70 % search, 25 % profiles, 5 % submissions")
        print(f"locust: {args.users} users for {args.duration}, {mix}; "
              f"REGISTRY_SUBMISSION_RATE={SUBMISSION_RATE} (one client address for all)")
        # The probe starts once locust has started every user (as the statistics do).
        probe = Probe(base, plan, start_after=args.users / spawn_rate(args))
        probe.start()
        if args.moderate_every:
            moderator = Moderator(plan, args.moderate_every,
                                  start_after=args.users / spawn_rate(args))
            moderator.start()
            print(f"a moderator hides or publishes one person every {args.moderate_every:g} s")
        try:
            locust_status = run_locust(args, base, plan_path, folder)
        finally:
            probe.finished.set()
            probe.join()
            if moderator is not None:
                moderator.finished.set()
                moderator.join()
    finally:
        stop(server)
    failures = report(folder)
    if probe is not None:
        probe.report()
    if moderator is not None:
        print("moderator, beside the visitors:")
        moderator.report()
    if not args.read_only:
        print(f"submissions added to the database: {submissions_from_load() - submitted_before:,}")
    print(f"files of this run: {folder.relative_to(ROOT)}")
    sys.exit(1 if failures or locust_status else 0)


if __name__ == "__main__":
    main()
