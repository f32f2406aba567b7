"""Restore a backup into a fresh database and empty media folders, then prove it whole.

    DATABASE_URL=postgres://…/registry_restored MEDIA_ROOT=… PROTECTED_MEDIA_ROOT=… \\
        manage.py restore /var/backups/registry/registry-YYYYmmdd-HHMMSS

The backup's files are checked against the manifest first. The database DATABASE_URL names
is created when missing; one that already holds tables is refused, and so are media folders
that are not empty, so a restore never lands on a live registry by mistake. After
pg_restore and the media, the restored copy is compared with the manifest (row counts of
every table, the published checksum, every media file) exactly as ``verify_backup`` does.
"""

import os
import subprocess
from pathlib import Path

import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg import sql

from registry import backups
from registry.freshness import published_changed
from registry.management.commands.verify_backup import verify


class Command(BaseCommand):
    help = "Restore a backup into a fresh database and empty media folders, and verify it."

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="the backup's folder")
        parser.add_argument("--pg-bindir", default="",
                            help="folder of pg_restore (default: the server's version under "
                                 "/usr/lib/postgresql, else PATH)")
        parser.add_argument("--maintenance-db", default="postgres",
                            help="database to connect to when creating the new one "
                                 "(default: %(default)s)")

    def handle(self, *, backup, pg_bindir, maintenance_db, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Backups restore into PostgreSQL; DATABASE_URL names another.")
        try:
            manifest = backups.read_backup(backup)
            backups.check_media_folders_empty()
            self.restore(backup, pg_bindir=pg_bindir, maintenance_db=maintenance_db)
        except backups.BackupError as error:
            raise CommandError(error) from error
        verify(self, manifest)

    def restore(self, backup: Path, *, pg_bindir: str, maintenance_db: str) -> None:
        database = connection.settings_dict
        server_version = self.prepare_database(database, maintenance_db)
        pg_restore = backups.postgresql_tool("pg_restore", server_version=server_version,
                                             bindir=pg_bindir)
        self.stdout.write(f"restoring {backup / backups.DUMP} into {database['NAME']} …")
        result = subprocess.run(
            [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error",
             "--single-transaction", f"--dbname={database['NAME']}", backup / backups.DUMP],
            env={**os.environ, **backups.libpq_environment(database)},
            capture_output=True, text=True)
        if result.returncode:
            raise backups.BackupError(f"pg_restore failed: {result.stderr.strip()}")
        self.analyze(database)
        backups.extract_media(backup / backups.MEDIA_ARCHIVE)
        # Pages kept from the database before (in Redis, or in workers' memory) must go.
        published_changed()

    def prepare_database(self, database: dict, maintenance_db: str) -> int:
        """Create the target database, or make sure the existing one is empty; the server's
        version number."""
        with self.connect(database, maintenance_db) as server:
            exists = server.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                    [database["NAME"]]).fetchone()
            if not exists:
                server.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'")
                               .format(sql.Identifier(database["NAME"])))
                self.stdout.write(f"created database {database['NAME']}")
            version = server.info.server_version
        if exists:
            with self.connect(database, database["NAME"]) as target:
                tables = target.execute(
                    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = "
                    "c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN "
                    "('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
                ).fetchone()[0]
            if tables:
                raise backups.BackupError(
                    f"Database {database['NAME']} already holds {tables} tables: restore "
                    f"only into a new or empty database.")
        return version

    def analyze(self, database: dict) -> None:
        """Statistics are not in a dump: without them the first searches would be slow."""
        with self.connect(database, database["NAME"]) as target:
            target.execute("ANALYZE")

    @staticmethod
    def connect(database: dict, name: str) -> psycopg.Connection:
        return psycopg.connect(dbname=name, host=database.get("HOST") or None,
                               port=database.get("PORT") or None,
                               user=database.get("USER") or None,
                               password=database.get("PASSWORD") or None, autocommit=True)
