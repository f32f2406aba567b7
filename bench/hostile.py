"""Hostile clients against gunicorn on PostgreSQL, and one well-behaved visitor beside them.

    .venv/bin/python bench/hostile.py --database-url postgres://…/registry_bench [--duration 60]

Starts ``gunicorn memorial.wsgi`` (2 threaded workers, as in production, the proxy's
client-address header trusted) and, for ``--duration`` seconds, sends at once the worst a
single client could send before the limits of registry/downloads.py and
registry/views/submit.py existed:

- **upload floods** from four addresses: posts of ``--photos-per-post`` (default 10, the
  most a form takes; the trial that found the problem sent 20) 7000 × 7000 noise JPEGs
  (13.7 MB each, inside every per-file limit), in a form that comes back with an error so
  the photographs are kept;
- **sixteen CSV exports at once** from one address, over and over;
- **the slowest searches and filters** it can find, each made unique by an extra
  parameter so that no kept page answers it.

Meanwhile a visitor opens the home page and a search every 0.2 s (each over a new
connection) and the workers' memory is sampled every 0.5 s. Printed: the visitor's
p50/p95/p99 per page, what the hostile clients got (status counts), the workers' peak
memory, and whether the targets hold (visitor p99 ≤ 300 ms; each worker under
``--memory-bound`` MiB). Exit status 1 when a target is missed.
"""

import argparse
import http.client
import io
import os
import random
import re
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
load = None  # bench/load/run.py, for gunicorn's start and stop

VISITOR_INTERVAL = 0.2
TARGET_P99_MS = 300
SLOW_QUERIES = [{"q": "Babel 1894"}, {"q": "Osip Mandelstamm"}, {"q": "Bokeikhanov Alikhan"},
                {"article": "58-10", "rehabilitated": "true"},
                {"fate": "executed", "arrest_year_min": 1937, "arrest_year_max": 1937},
                {"nationality": "немец", "kind": "deportation"}, {"camp": "karlag"}]


def noise_jpeg() -> bytes:
    """A 7000 × 7000 JPEG of noise: what compresses and decodes worst, 13.7 MB."""
    from PIL import Image

    side = 7000
    image = Image.frombytes("RGB", (side, side), random.Random(1937).randbytes(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=30)
    return buffer.getvalue()


class Client:
    """One HTTP client with its cookies, speaking as ``address`` through the proxy."""

    def __init__(self, port: int, address: str):
        self.port, self.address, self.cookies = port, address, {}

    def request(self, method: str, path: str, body=b"", headers=None,
                timeout: float = 120) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
            connection.request(method, path, body=body, headers={
                "X-Forwarded-For": self.address, "Cookie": cookie, **(headers or {})})
            response = connection.getresponse()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";")[0]
            return response.status, response.read()
        except OSError:
            return 0, b""
        finally:
            connection.close()


class Hostile(threading.Thread):
    def __init__(self, kind: str, work, stop: threading.Event):
        super().__init__(daemon=True)
        self.kind, self.work, self.stop = kind, work, stop
        self.statuses: Counter = Counter()

    def run(self):
        while not self.stop.is_set():
            self.statuses[self.work()] += 1


def upload_flood(port: int, address: str, photo: bytes, count: int):
    client = Client(port, address)
    boundary = uuid.uuid4().hex
    # The photographs' part of the body, made once: the attacker's own copying must not
    # take the cores the server and the visitor share with it on this machine.
    files = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; '
                     f'name="photos-{number}-image"; filename="noise{number}.jpg"\r\n'
                     f'Content-Type: image/jpeg\r\n\r\n'.encode() + photo + b"\r\n"
                     for number in range(count))
    end = f"--{boundary}--\r\n".encode()

    def post() -> int:
        status, page = client.request("GET", "/submit/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        key = re.search(rb'name="upload_key" value="([^"]+)"', page)
        if status != 200 or not token or not key:
            return status
        fields = {"csrfmiddlewaretoken": token[1].decode(), "upload_key": key[1].decode(),
                  "surname": "", "photos-TOTAL_FORMS": str(count),
                  "photos-INITIAL_FORMS": "0"}
        head = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                        f'\r\n\r\n{value}\r\n'.encode() for name, value in fields.items())
        status, _ = client.request("POST", "/submit/", [head, files, end], {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(head) + len(files) + len(end)),
            "Referer": f"http://127.0.0.1:{port}/submit/"})
        return status

    return post


def export(port: int, address: str):
    client = Client(port, address)
    return lambda: client.request("GET", "/export/people.csv?fate=executed")[0]


def slow_search(port: int, address: str, rng: random.Random):
    client = Client(port, address)

    def search() -> int:
        query = {**rng.choice(SLOW_QUERIES), "x": uuid.uuid4().hex[:8]}  # never kept
        path = "/api/v1/people/" if rng.random() < 0.5 else "/search/"
        return client.request("GET", f"{path}?{urlencode(query)}", timeout=60)[0]

    return search


class Visitor(threading.Thread):
    """The home page and a search, alternately, every VISITOR_INTERVAL seconds."""

    PAGES = {"home": "/", "search": "/search/?" + urlencode({"q": "Ахметов"})}

    def __init__(self, port: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.stop = port, stop
        self.times: dict[str, list[float]] = {kind: [] for kind in self.PAGES}
        self.failures = 0

    def run(self):
        client = Client(self.port, "203.0.113.200")
        turn = 0
        while not self.stop.wait(VISITOR_INTERVAL):
            kind = list(self.PAGES)[turn % len(self.PAGES)]
            turn += 1
            started = time.perf_counter()
            status, _ = client.request("GET", self.PAGES[kind], timeout=30)
            if status == 200:
                self.times[kind].append((time.perf_counter() - started) * 1000)
            else:
                self.failures += 1


class Memory(threading.Thread):
    """The peak resident memory of each gunicorn worker (the master's children)."""

    def __init__(self, master: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.master, self.stop = master, stop
        self.peaks: dict[int, float] = {}

    def run(self):
        while not self.stop.wait(0.5):
            for pid in self._workers():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                rss = int(re.search(r"VmRSS:\s+(\d+)", status)[1]) / 1024
                self.peaks[pid] = max(self.peaks.get(pid, 0), rss)

    def _workers(self) -> list[int]:
        children = Path(f"/proc/{self.master}/task/{self.master}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []


def forget_slots(url: str) -> None:
    """What earlier runs left in the shared cache: slots and turns of stopped workers
    (they would expire within minutes: registry/budgets.py) and the clients' counts (an
    hour): each run meets the attackers' first minute."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DELETE FROM registry_shared_cache WHERE cache_key LIKE %s "
                           "OR cache_key LIKE %s OR cache_key LIKE %s",
                           [":1:slot:%", ":1:turn:%", ":1:rl:%"])


def percentile(times: list[float], percent: int) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))]


def main():
    global load
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a migrated PostgreSQL database")
    parser.add_argument("--duration", type=float, default=60, help="seconds (default 60)")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--memory-bound", type=float, default=700,
                        help="MiB each worker must stay under (default 700)")
    parser.add_argument("--photos-per-post", type=int, default=10)
    parser.add_argument("--without-attack", action="store_true",
                        help="the visitor alone, for comparison")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench" / "load"))
    import run as load

    folder = ROOT / ".bench" / "hostile" / time.strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True)
    environment = {**load.server_environment(args, folder / "static"),
                   "REGISTRY_CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR",
                   "REGISTRY_SUBMISSION_RATE": "5/h",
                   # The production limits (the load benchmark raises them for its one
                   # address of 200 visitors).
                   "REGISTRY_RENDERS_PER_CLIENT": "1", "REGISTRY_RENDER_RATE": "30/m"}
    import subprocess

    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                   cwd=ROOT, env=environment, check=True)
    forget_slots(args.database_url)
    photo = b"" if args.without_attack else noise_jpeg()
    server = load.start_gunicorn(args, environment, folder / "gunicorn.log")
    stop = threading.Event()
    try:
        # The visitor's two pages once, as any visitor before them would have.
        warm = Client(args.port, "203.0.113.201")
        for path in Visitor.PAGES.values():
            warm.request("GET", path)
        rng = random.Random(1937)
        hostile = [] if args.without_attack else [
            *(Hostile(f"upload flood ({address})",
                      upload_flood(args.port, address, photo, args.photos_per_post), stop)
              for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3",
                                            "192.0.2.4")),
            *(Hostile("export", export(args.port, "198.51.100.1"), stop) for _ in range(16)),
            *(Hostile("slow search", slow_search(args.port, "198.51.100.2", rng), stop)
              for _ in range(4))]
        visitor, memory = Visitor(args.port, stop), Memory(server.pid, stop)
        for thread in (memory, visitor, *hostile):
            thread.start()
        print(f"gunicorn -w {args.workers} --threads {args.threads}, {os.cpu_count()} cores; "
              f"{len(hostile)} hostile threads for {args.duration:g} s"
              + (f" (photo {len(photo) / 1e6:.1f} MB)" if photo else ""))
        time.sleep(args.duration)
        stop.set()
        for thread in (visitor, memory, *hostile):
            thread.join(timeout=150)
    finally:
        load.stop(server)

    missed = []
    print(f"\nwell-behaved visitor (a page every {VISITOR_INTERVAL} s; failures "
          f"{visitor.failures}):")
    for kind, times in visitor.times.items():
        if not times:
            missed.append(f"{kind}: no page answered")
            continue
        p99 = percentile(times, 99)
        print(f"  {kind:<7} {len(times):>5} pages  p50 {percentile(times, 50):7.1f} ms  "
              f"p95 {percentile(times, 95):7.1f} ms  p99 {p99:7.1f} ms  max {max(times):7.1f} ms")
        if p99 > TARGET_P99_MS:
            missed.append(f"{kind} p99 {p99:.0f} ms > {TARGET_P99_MS} ms")
    if visitor.failures:
        missed.append(f"{visitor.failures} visitor pages failed")
    statuses: dict[str, Counter] = {}
    for thread in hostile:
        statuses.setdefault(thread.kind.split(" (")[0], Counter()).update(thread.statuses)
    print("hostile clients got (status: answers; 0 = no answer):")
    for kind, counts in statuses.items():
        print(f"  {kind:<12} " + ", ".join(f"{status}: {count}"
                                           for status, count in sorted(counts.items())))
    peaks = sorted(memory.peaks.values(), reverse=True)
    print("workers' peak memory: " + ", ".join(f"{peak:.0f} MiB" for peak in peaks))
    if peaks and peaks[0] > args.memory_bound:
        missed.append(f"a worker reached {peaks[0]:.0f} MiB > {args.memory_bound:.0f} MiB")
    print("targets: " + ("met" if not missed else "MISSED — " + "; ".join(missed)))
    print(f"files of this run: {folder.relative_to(ROOT)}")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
