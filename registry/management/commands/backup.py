"""Back up the registry: its PostgreSQL database and both media folders, with a manifest.

    manage.py backup /var/backups/registry

makes ``/var/backups/registry/registry-YYYYmmdd-HHMMSS/`` holding ``database.dump``
(pg_dump, custom format), ``media.tar`` and ``manifest.json`` (see registry/backups.py and
docs/operations.md). The row counts and the published checksum of the manifest are read in
the very snapshot pg_dump copies, so they describe the dump exactly even while families
keep sending submissions. The folder is written as ``….partial`` and renamed only once
complete, so a copy that stopped halfway never looks like a backup.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from registry import backups


class Command(BaseCommand):
    help = "Back up the database (pg_dump) and the media folders, with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("destination", type=Path,
                            help="folder in which the backup's own folder is made")
        parser.add_argument("--pg-bindir", default="",
                            help="folder of pg_dump (default: the server's version under "
                                 "/usr/lib/postgresql, else PATH)")

    def handle(self, *, destination, pg_bindir, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Backups are made of PostgreSQL, the production database; "
                               "DATABASE_URL names another.")
        started = timezone.now()
        name = f"registry-{started:%Y%m%d-%H%M%S}"
        partial = destination / f"{name}.partial"
        partial.mkdir(parents=True)
        try:
            manifest = self.make(partial, started=started, pg_bindir=pg_bindir)
        except BaseException as error:
            shutil.rmtree(partial, ignore_errors=True)
            if isinstance(error, backups.BackupError):
                raise CommandError(error) from error
            raise
        folder = destination / name
        partial.rename(folder)
        self.report(folder, manifest)

    def make(self, folder: Path, *, started, pg_bindir: str) -> dict:
        with transaction.atomic():
            # One snapshot for pg_dump and for the figures that describe its dump.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
                snapshot, server_version = cursor.fetchone()
            pg_dump = backups.postgresql_tool(
                "pg_dump", server_version=connection.connection.info.server_version,
                bindir=pg_bindir)
            self.run([pg_dump, "--format=custom", f"--snapshot={snapshot}",
                      f"--file={folder / backups.DUMP}"])
            tables = backups.table_counts()
            published = backups.published_checksum()
            referenced = backups.referenced_files()
        media, archived = backups.archive_media(folder / backups.MEDIA_ARCHIVE)
        manifest = {
            "format": backups.MANIFEST_FORMAT,
            "created_at": started.isoformat(),
            "database": {"name": connection.settings_dict["NAME"],
                         "server_version": server_version,
                         "pg_dump": self.run([pg_dump, "--version"]).strip()},
            "tables": tables,
            "published": published,
            "media": media,
            # Deleted between the snapshot and the archive, or lost before: said now, so
            # the restore does not take them for its own loss.
            "missing_files": sorted(referenced - archived),
            "files": {name: backups.file_entry(folder / name)
                      for name in (backups.DUMP, backups.MEDIA_ARCHIVE)},
        }
        (folder / backups.MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        return manifest

    def run(self, command: list[str]) -> str:
        environment = {**os.environ, **backups.libpq_environment(connection.settings_dict)}
        result = subprocess.run(command, env=environment, capture_output=True, text=True)
        if result.returncode:
            raise backups.BackupError(f"{Path(command[0]).name} failed: "
                                      f"{result.stderr.strip()}")
        return result.stdout

    def report(self, folder: Path, manifest: dict) -> None:
        rows = sum(manifest["tables"].values())
        media = "; ".join(f"{name}: {entry['files']} file(s), {entry['bytes']:,} bytes"
                          for name, entry in manifest["media"].items())
        sizes = ", ".join(f"{name} {entry['bytes']:,} bytes"
                          for name, entry in manifest["files"].items())
        self.stdout.write(
            f"backup {folder}\n"
            f"  {len(manifest['tables'])} tables, {rows:,} rows; "
            f"{manifest['published']['people']:,} published people, "
            f"sha256 {manifest['published']['sha256']}\n"
            f"  {media}\n  {sizes}")
        if manifest["missing_files"]:
            self.stderr.write(f"warning: {len(manifest['missing_files'])} file(s) the "
                              f"database refers to were not in the media folders: "
                              + ", ".join(manifest["missing_files"][:10]))
