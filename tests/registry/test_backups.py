"""Backups: the published checksum, and the whole drill with the real pg_dump and pg_restore."""

import io
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from PIL import Image

from registry import moderation
from registry.backups import media_roots, published_checksum, table_counts
from registry.models import MediaStatus, Person, Photo
from tests.factories import (
    CitationFactory,
    EventFactory,
    NameVariantFactory,
    PendingPersonFactory,
    PendingSubmissionFactory,
    PublishedPersonFactory,
    RelationshipFactory,
)

ON_POSTGRESQL = connection.vendor == "postgresql"


def jpeg(colour) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def photo_of(person, status, colour) -> Photo:
    photo = Photo(person=person, status=status, caption="Портрет, 1935")
    photo.image.save("portrait.jpg", ContentFile(jpeg(colour)))
    return photo


@pytest.mark.django_db
def test_the_published_checksum_follows_what_visitors_see_and_nothing_else(moderator):
    shot = PublishedPersonFactory(surname="Сейфуллин", given_name="Сакен")
    EventFactory(person=shot, kind="execution", date="1938-02-25")
    pending = PendingPersonFactory(surname="Байтурсынов")
    before = published_checksum()
    assert before["people"] == 1

    pending.biography = "Арестован в 1937 году."
    pending.save()
    assert published_checksum() == before

    EventFactory(person=shot, kind="rehabilitation", date="1957")
    corrected = published_checksum()
    assert corrected["people"] == 1 and corrected["sha256"] != before["sha256"]

    moderation.person_hide(person=shot, moderator=moderator, reason="asked by the family")
    assert published_checksum()["people"] == 0


def database_url(database: str) -> str:
    settings_dict = connection.settings_dict
    credentials = quote(settings_dict["USER"] or "")
    if settings_dict["PASSWORD"]:
        credentials += ":" + quote(settings_dict["PASSWORD"])
    host = settings_dict["HOST"] or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{database}"


def manage(*arguments, database: str, media: Path, protected: Path):
    """Run manage.py in its own process, as an operator would, on the given database and
    media folders."""
    environment = {**os.environ, "SECRET_KEY": settings.SECRET_KEY, "DEBUG": "",
                   "DATABASE_URL": database_url(database), "MEDIA_ROOT": str(media),
                   "PROTECTED_MEDIA_ROOT": str(protected)}
    return subprocess.run([sys.executable, "manage.py", *arguments], cwd=settings.BASE_DIR,
                          env=environment, capture_output=True, text=True, timeout=300)


def files_under(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in root.rglob("*") if path.is_file()}


def server():
    settings_dict = connection.settings_dict
    return psycopg.connect(dbname="postgres", host=settings_dict["HOST"] or None,
                           port=settings_dict["PORT"] or None,
                           user=settings_dict["USER"] or None,
                           password=settings_dict["PASSWORD"] or None, autocommit=True)


def counts_in(database: str, tables) -> dict[str, int]:
    with psycopg.connect(database_url(database).replace("postgres://", "postgresql://")) as db:
        return {table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                for table in tables}


@pytest.fixture
def fresh_database_name():
    """A database name that does not exist yet, dropped after the test whatever happened."""
    name = f"test_restore_{uuid.uuid4().hex[:12]}"
    yield name
    with server() as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def people_with_photos():
    """Published and pending people, their events, names, sources, a family, photographs,
    a submission waiting for a moderator, and a file an operator put in MEDIA_ROOT."""
    wife = PublishedPersonFactory(surname="Сейфуллина", given_name="Гульбахрам", sex="female")
    husband = PublishedPersonFactory(surname="Сейфуллин", given_name="Сакен", sex="male",
                                     biography="Поэт.\n\nРасстрелян в 1938 году.")
    EventFactory(person=husband, kind="arrest", date="1937-09-24")
    EventFactory(person=husband, kind="execution", date="1938-02-25")
    NameVariantFactory(person=husband, surname="Seifullin", given_name="Saken")
    CitationFactory(person=husband, detail="фонд 1, опись 2, дело 3")
    RelationshipFactory(person=husband, relative=wife, kind="spouse")
    pending = PendingPersonFactory(surname="Байтурсынов", given_name="Ахмет")
    photos = [photo_of(husband, MediaStatus.APPROVED, (120, 80, 40)),
              photo_of(pending, MediaStatus.PENDING, (10, 20, 30))]
    PendingSubmissionFactory()
    public = Path(settings.MEDIA_ROOT) / "notices"
    public.mkdir(parents=True)
    (public / "closed-on-30-october.txt").write_text("Закрыто 30 октября.\n")
    return photos


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the drill backs up PostgreSQL (pg_dump and "
                    "pg_restore), the production database; SQLite has no such tools")
@pytest.mark.django_db(transaction=True, serialized_rollback=ON_POSTGRESQL)
def test_the_backup_drill_gives_back_every_record_and_photograph(tmp_path, moderator,
                                                                 fresh_database_name):
    photos = people_with_photos()
    source = connection.settings_dict["NAME"]
    roots = media_roots()
    before = {"tables": table_counts(), "published": published_checksum(),
              "files": {name: files_under(root) for name, root in roots.items()}}
    assert before["published"]["people"] == 2
    assert {Path(photo.image.name).name for photo in photos} <= {
        Path(name).name for name in before["files"]["protected_media"]}

    made = manage("backup", str(tmp_path / "backups"), database=source,
                  media=roots["media"], protected=roots["protected_media"])
    assert made.returncode == 0, made.stderr
    [backup] = (tmp_path / "backups").iterdir()
    assert sorted(path.name for path in backup.iterdir()) == [
        "database.dump", "manifest.json", "media.tar"]
    assert (backup / "database.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    restored = {"media": tmp_path / "restored" / "media",
                "protected_media": tmp_path / "restored" / "protected"}
    restore = manage("restore", str(backup), database=fresh_database_name,
                     media=restored["media"], protected=restored["protected_media"])
    assert restore.returncode == 0, restore.stderr
    assert "verified" in restore.stdout

    assert counts_in(fresh_database_name, before["tables"]) == before["tables"]
    checksum = manage("published_checksum", database=fresh_database_name,
                      media=restored["media"], protected=restored["protected_media"])
    assert checksum.returncode == 0, checksum.stderr
    people, sha256 = re.fullmatch(r"(\d+) published people, sha256 (\w+)\n",
                                  checksum.stdout).groups()
    assert {"people": int(people), "sha256": sha256} == before["published"]
    for name, root in restored.items():
        assert files_under(root) == before["files"][name]

    # A restore never lands on a registry that already holds data...
    again = manage("restore", str(backup), database=fresh_database_name,
                   media=tmp_path / "again" / "media", protected=tmp_path / "again" / "p")
    assert again.returncode != 0 and "already holds" in again.stderr
    assert counts_in(fresh_database_name, before["tables"]) == before["tables"]
    # ... nor from a damaged copy.
    dump = backup / "database.dump"
    damaged = bytearray(dump.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    dump.write_bytes(bytes(damaged))
    refused = manage("restore", str(backup), database=f"{fresh_database_name}_x",
                     media=tmp_path / "x" / "media", protected=tmp_path / "x" / "p")
    assert refused.returncode != 0 and "Damaged backup" in refused.stderr
    with server() as db:
        assert not db.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              [f"{fresh_database_name}_x"]).fetchone()
    assert Person.objects.published().count() == 2
