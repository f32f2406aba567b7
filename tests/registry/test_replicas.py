"""Visitors read from a real streaming replica of PostgreSQL; moderators, writes and a
family's own pages stay on the primary.

The replica is made for the test with ``pg_basebackup`` from the test's own server and
started beside it on loopback. Its replay is paused to tell the two apart: what is
published on the primary then appears to visitors only once the replica has caught up.
"""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection, connections
from django.urls import reverse

from registry.models import Person
from tests.factories import PublishedPersonFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="streaming replication is PostgreSQL's"),
    pytest.mark.django_db(transaction=True),  # the replica sees only what is committed
]
REPLICA = "replica_under_test"


def _binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_basebackup"))
    return found[-1].parent if found else None


def _as_server_owner(command: list) -> list:
    """pg_ctl refuses root: as root, run the server's tools as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture
def streaming_replica(settings):
    primary = connection.settings_dict
    binaries = _binaries()
    if binaries is None or primary["HOST"] not in ("127.0.0.1", "localhost"):
        pytest.skip("needs PostgreSQL's binaries and a primary on this machine")
    folder = Path(tempfile.mkdtemp(prefix="registry-replica-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    folder.chmod(0o700)
    port = int(primary["PORT"]) + 1000
    subprocess.run(_as_server_owner([
        binaries / "pg_basebackup", "-h", primary["HOST"], "-p", str(primary["PORT"]),
        "-U", primary["USER"], "-D", folder, "-R", "-X", "stream", "--checkpoint=fast"]),
        check=True)
    subprocess.run(_as_server_owner([
        binaries / "pg_ctl", "-D", folder, "-l", folder / "server.log", "-w", "-o",
        f"-h 127.0.0.1 -p {port} -k {folder} -c hot_standby=on", "start"]),
        check=True, stdout=subprocess.DEVNULL)
    connections.settings[REPLICA] = {**primary, "PORT": str(port)}
    settings.REGISTRY_REPLICAS = [REPLICA]
    replica = connections[REPLICA]
    # Connected here: the test case admits only the databases it was declared with, and
    # this one did not exist then.
    replica.connect()
    try:
        yield replica
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]
        subprocess.run(_as_server_owner([binaries / "pg_ctl", "-D", folder, "-m", "immediate",
                                         "stop"]), stdout=subprocess.DEVNULL)
        shutil.rmtree(folder, ignore_errors=True)


def _caught_up(replica) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    with connection.cursor() as cursor:
        # Where the primary inserts, not where it has written: with synchronous_commit off
        # (the test cluster's) a commit returns before its WAL is written.
        cursor.execute("SELECT pg_current_wal_insert_lsn()")
        written = cursor.fetchone()[0]
    deadline = time.monotonic() + 30
    with replica.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [written])
            if cursor.fetchone()[0]:
                return
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.1)


def _replay(replica, action: str) -> None:
    with replica.cursor() as cursor:
        cursor.execute(f"SELECT pg_wal_replay_{action}()")


def test_visitors_read_the_replica_and_moderators_the_primary(
        client, admin_client, streaming_replica):
    PublishedPersonFactory(surname="Сейфуллин")
    _caught_up(streaming_replica)
    _replay(streaming_replica, "pause")

    published = PublishedPersonFactory(surname="Жургенов", given_name="Темирбек")

    # The replica, paused, does not hold him yet: visitors do not see him...
    api = reverse("registry:api-people")
    assert client.get(api, {"q": "Жургенов"}).json()["count"] == 0
    assert client.get(reverse("registry:person", args=[published.pk])).status_code == 404
    assert client.get(api, {"q": "Сейфуллин"}).json()["count"] == 1
    # ...the moderators, on the primary, do.
    assert "Жургенов" in admin_client.get("/admin/registry/person/",
                                          {"q": "Жургенов"}).content.decode()

    _replay(streaming_replica, "resume")
    _caught_up(streaming_replica)
    assert client.get(api, {"q": "Жургенов"}).json()["count"] == 1
    assert client.get(reverse("registry:person", args=[published.pk])).status_code == 200


def test_code_after_a_visitors_request_reads_the_primary(client, streaming_replica):
    """What runs in the same thread after a visitor's page (the next request, a test's own
    reads, a signal of a write) must not read a copy that lags."""
    _caught_up(streaming_replica)
    _replay(streaming_replica, "pause")
    client.get(reverse("registry:search"), {"q": "Сейфуллин"})
    written = PublishedPersonFactory(surname="Жургенов")
    assert Person.objects.filter(pk=written.pk).exists()


def test_a_family_sees_what_it_just_sent_on_the_primary(client, streaming_replica):
    from tests.factories import PendingSubmissionFactory

    _caught_up(streaming_replica)
    _replay(streaming_replica, "pause")
    submission = PendingSubmissionFactory()
    page = client.get(submission.get_absolute_url())
    assert page.status_code == 200
