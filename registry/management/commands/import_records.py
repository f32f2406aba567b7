"""Import a CSV file of people (a Book of Memory, an archive list); see docs/import-format.md."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.importer import BATCH_SIZE, COLUMNS, ImportFileError, RecordImporter


class Command(BaseCommand):
    help = ("Import people from a UTF-8 CSV file with a header row. Columns: "
            + ", ".join(COLUMNS) + ". Bad rows are reported and skipped; a row whose "
            "external_id is already in the registry updates that record.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--status", choices=["published", "pending"], default="pending",
                            help="Status of newly created people (default: pending). "
                                 "Existing records keep theirs.")
        parser.add_argument("--source", default="",
                            help="Title of the source for rows without a 'source' column.")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                            help=f"Rows per transaction (default: {BATCH_SIZE}).")

    def handle(self, *args, file: Path, status: str, source: str, batch_size: int, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        importer = RecordImporter(
            status=status, source_title=source, batch_size=batch_size,
            change_reason=f"import_records {file.name}",
            on_error=lambda error: self.stderr.write(f"{file.name}: {error}"),
            keep_errors=0,
        )
        try:
            with file.open("rb") as stream:
                result = importer.run(stream)
        except ImportFileError as error:
            raise CommandError(f"{file.name}: {error} Nothing was imported.") from error
        self.stdout.write(f"{file.name}: {result.summary}")
