"""Backups of the registry, and the proof that a restored copy is whole.

A backup is one folder holding ``database.dump`` (``pg_dump``, custom format),
``media.tar`` (the public media folder and the protected uploads, see
``registry/storage.py``) and ``manifest.json``: when and from which server, the row count
of every table, a checksum of every published record, the files and bytes of each media
folder with a checksum of their contents, and the size and SHA-256 of the two other files.
``manage.py backup`` makes one, ``manage.py restore`` loads it into a fresh database and
empty media folders, ``manage.py verify_backup`` compares a database and its media with a
manifest. The drill for operators is in docs/operations.md.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
from pathlib import Path
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import FileField
from django.test import RequestFactory
from django.utils import translation

DUMP = "database.dump"
MEDIA_ARCHIVE = "media.tar"
MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
CHUNK = 1024 * 1024
BATCH = 2000  # people read at a time for the published checksum


class BackupError(Exception):
    """A backup cannot be made, read or restored; the message says why, for the operator."""


def media_roots() -> dict[str, Path]:
    """The media folders a backup holds, by the name they have inside the archive."""
    return {"media": Path(settings.MEDIA_ROOT),
            "protected_media": Path(settings.REGISTRY_PROTECTED_MEDIA_ROOT)}


def table_counts() -> dict[str, int]:
    """Rows in every table of the installed apps (registry, revisions, accounts, admin log)."""
    tables = sorted(connection.introspection.django_table_names(only_existing=True))
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {quote(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def published_checksum() -> dict:
    """How many people are published, and a SHA-256 of what the API shows of each of them
    (``/api/v1/people/<id>/``), in id order: equal checksums mean equal public records."""
    from registry.views.api import people_in_full, person_public_data
    from registry.views.public import relatives_by_person

    request = _site_request()
    digest = hashlib.sha256()
    people, last = 0, 0
    # The relation words ("wife", "son") are translated: hash them in one language.
    with translation.override(settings.LANGUAGE_CODE):
        while batch := list(people_in_full().filter(pk__gt=last).order_by("pk")[:BATCH]):
            relatives = relatives_by_person([person.pk for person in batch])
            for person in batch:
                data = person_public_data(person, request, relatives[person.pk])
                # Relatives come in no defined order: the checksum must not depend on a
                # query plan.
                data["relatives"].sort(key=lambda relative: (relative["id"],
                                                             relative["relation"]))
                digest.update(json.dumps(data, sort_keys=True, ensure_ascii=False).encode())
                digest.update(b"\n")
            people += len(batch)
            last = batch[-1].pk
    return {"people": people, "sha256": digest.hexdigest()}


def _site_request():
    """A request for the site's own address, so the URLs in the JSON are the public ones."""
    site = urlsplit(settings.REGISTRY_SITE_URL)
    return RequestFactory().get("/", secure=site.scheme == "https", HTTP_HOST=site.netloc)


def media_files(root: Path) -> list[Path]:
    """Every file under ``root``, in a fixed order (none when the folder does not exist)."""
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file())


class _Inventory:
    """Files, bytes and one SHA-256 over every file's path and contents, of one folder."""

    def __init__(self):
        self.files = self.bytes = 0
        self.digest = hashlib.sha256()

    def add(self, relative: str, size: int, sha256: str) -> None:
        self.digest.update(f"{relative}\0{sha256}\n".encode())
        self.files += 1
        self.bytes += size

    def as_dict(self) -> dict:
        return {"files": self.files, "bytes": self.bytes, "sha256": self.digest.hexdigest()}


def media_inventory() -> dict[str, dict]:
    """The inventory of each media folder as it is on disk now."""
    inventory = {}
    for name, root in media_roots().items():
        folder = _Inventory()
        for path in media_files(root):
            folder.add(path.relative_to(root).as_posix(), path.stat().st_size,
                       file_sha256(path))
        inventory[name] = folder.as_dict()
    return inventory


def referenced_files() -> set[str]:
    """Every file the database refers to, as ``<media folder name>/<path inside it>``."""
    roots = {name: root.resolve() for name, root in media_roots().items()}
    referenced = set()
    for model in apps.get_app_config("registry").get_models():
        if model.__name__.startswith("Historical"):
            continue  # a revision keeps an old name; the current row is what must exist
        for field in model._meta.get_fields():
            if not isinstance(field, FileField):
                continue
            names = (model._default_manager.exclude(**{field.name: ""})
                     .values_list(field.name, flat=True).distinct())
            for name in names.iterator():
                referenced.add(_in_media_folder(Path(field.storage.path(name)), roots))
    return referenced


def _in_media_folder(path: Path, roots: dict[str, Path]) -> str:
    path = path.resolve()
    for name, root in roots.items():
        if path.is_relative_to(root):
            return f"{name}/{path.relative_to(root).as_posix()}"
    return str(path)  # a storage outside both folders: never in a backup, so reported


def missing_files() -> list[str]:
    """Files the database refers to that are not in the media folders."""
    roots = media_roots()
    missing = []
    for reference in referenced_files():
        name, _, relative = reference.partition("/")
        if name not in roots or not (roots[name] / relative).is_file():
            missing.append(reference)
    return sorted(missing)


def fingerprint() -> dict:
    """What the configured database and media folders hold, in the manifest's terms."""
    return {"tables": table_counts(), "published": published_checksum(),
            "media": media_inventory(), "missing_files": missing_files()}


def differences(manifest: dict, found: dict) -> list[str]:
    """What ``found`` (a fingerprint with ``media``) lacks or has otherwise than
    ``manifest``, one sentence each; empty when the copy is whole."""
    problems = []
    for table, expected in manifest["tables"].items():
        actual = found["tables"].get(table)
        if actual != expected:
            problems.append(f"table {table}: {expected} rows in the backup, {actual} here")
    for table in sorted(set(found["tables"]) - set(manifest["tables"])):
        problems.append(f"table {table} is not in the backup")
    if found["published"] != manifest["published"]:
        problems.append("published records differ: backup {people} people, sha256 {sha256}"
                        .format(**manifest["published"])
                        + "; here {people} people, sha256 {sha256}".format(**found["published"]))
    for name, expected in manifest["media"].items():
        actual = found["media"].get(name)
        if actual != expected:
            problems.append(f"media folder {name}: backup {expected}, here {actual}")
    newly_missing = sorted(set(found["missing_files"]) - set(manifest["missing_files"]))
    if newly_missing:  # those missing at backup time were reported then
        problems.append(f"{len(newly_missing)} file(s) the database refers to are missing: "
                        + ", ".join(newly_missing[:10]))
    return problems


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def file_entry(path: Path) -> dict:
    return {"bytes": path.stat().st_size, "sha256": file_sha256(path)}


class _HashingReader:
    """Hands a file to tarfile and hashes exactly the bytes that went into the archive."""

    def __init__(self, file):
        self.file = file
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        data = self.file.read(size)
        self.digest.update(data)
        return data


def archive_media(target: Path) -> tuple[dict[str, dict], set[str]]:
    """Write both media folders into one uncompressed tar (photographs are compressed
    already), each under its name from ``media_roots()``. Returns the inventory of what
    was archived (files may come and go meanwhile) and the archived names."""
    inventory, archived = {}, set()
    with tarfile.open(target, "w") as archive:
        for name, root in media_roots().items():
            folder = tarfile.TarInfo(name)
            folder.type, folder.mode = tarfile.DIRTYPE, 0o755
            archive.addfile(folder)
            contents = _Inventory()
            for path in media_files(root):
                relative = path.relative_to(root).as_posix()
                info = archive.gettarinfo(str(path), arcname=f"{name}/{relative}")
                with path.open("rb") as file:
                    reader = _HashingReader(file)
                    archive.addfile(info, reader)
                contents.add(relative, info.size, reader.digest.hexdigest())
                archived.add(info.name)
            inventory[name] = contents.as_dict()
    return inventory, archived


def check_media_folders_empty() -> None:
    """Media are restored only into empty folders, never over a live site's files."""
    for root in media_roots().values():
        if root.exists() and any(root.iterdir()):
            raise BackupError(f"{root} is not empty: restore media only into empty folders "
                              f"(set MEDIA_ROOT and PROTECTED_MEDIA_ROOT).")


def extract_media(archive_path: Path) -> None:
    """Unpack a backup's media into the configured folders, which must be empty."""
    check_media_folders_empty()
    roots = media_roots()
    with tarfile.open(archive_path) as archive:
        for member in archive:
            name, _, rest = member.name.partition("/")
            if name not in roots:
                raise BackupError(f"Unexpected entry in the media archive: {member.name}")
            roots[name].mkdir(parents=True, exist_ok=True)
            if rest:
                # The "data" filter refuses absolute paths, links out of the folder and
                # device files, whatever the archive holds.
                archive.extract(member.replace(name=rest), roots[name], filter="data")


def read_backup(folder: Path) -> dict:
    """The manifest of the backup in ``folder``, once its files are checked against it."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"Not a backup: {error}") from error
    if manifest.get("format") != MANIFEST_FORMAT:
        raise BackupError(f"{folder / MANIFEST}: not a manifest this version can read.")
    damaged = [name for name, expected in manifest["files"].items()
               if not (folder / name).is_file() or file_entry(folder / name) != expected]
    if damaged:
        raise BackupError(f"Damaged backup: size or checksum of {', '.join(damaged)} not as "
                          f"in the manifest.")
    return manifest


def postgresql_tool(name: str, *, server_version: int, bindir: str = "") -> str:
    """``pg_dump`` or ``pg_restore``: from ``bindir`` when given, else of the server's major
    version when installed (an older client refuses a newer server), else from PATH."""
    if not bindir:
        candidate = Path(f"/usr/lib/postgresql/{server_version // 10000}/bin")
        bindir = str(candidate) if (candidate / name).exists() else ""
    tool = shutil.which(name, path=bindir or None)
    if not tool:
        raise BackupError(f"{name} not found: install PostgreSQL's client programs or give "
                          f"--pg-bindir.")
    return tool


def libpq_environment(database: dict) -> dict[str, str]:
    """Connection settings of a Django database as libpq's variables (keeps the password
    off the command line, where other users of the machine could read it)."""
    values = {"PGDATABASE": database["NAME"], "PGUSER": database.get("USER"),
              "PGPASSWORD": database.get("PASSWORD"), "PGHOST": database.get("HOST"),
              "PGPORT": str(database.get("PORT") or "")}
    return {key: value for key, value in values.items() if value}
