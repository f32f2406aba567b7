"""Compare the configured database and media folders with a backup's manifest.

    DATABASE_URL=… MEDIA_ROOT=… PROTECTED_MEDIA_ROOT=… manage.py verify_backup BACKUP_FOLDER

Checks the backup's own files against their checksums, then every table's row count, the
published checksum, every media file (paths and contents) and that no file the database
refers to is missing. Run by ``restore`` at its end; on its own after a restore made by
hand, or to check a backup against the registry it was just taken from.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry import backups


def verify(command: BaseCommand, manifest: dict) -> None:
    """Print that the registry matches ``manifest``, or raise with every difference."""
    problems = backups.differences(manifest, backups.fingerprint())
    if problems:
        raise CommandError("The registry differs from the backup:\n  " + "\n  ".join(problems))
    rows = sum(manifest["tables"].values())
    media = ", ".join(f"{entry['files']} file(s) in {name}"
                      for name, entry in manifest["media"].items())
    command.stdout.write(
        f"verified against the backup of {manifest['created_at']}: "
        f"{len(manifest['tables'])} tables with {rows:,} rows; "
        f"{manifest['published']['people']:,} published people, sha256 "
        f"{manifest['published']['sha256']}; {media}, byte for byte")


class Command(BaseCommand):
    help = "Compare the configured database and media folders with a backup's manifest."

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="the backup's folder")

    def handle(self, *, backup, **options):
        try:
            manifest = backups.read_backup(backup)
        except backups.BackupError as error:
            raise CommandError(error) from error
        verify(self, manifest)
