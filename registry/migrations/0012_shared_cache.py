"""The table of the ``shared`` cache (rate limits and the published generation).

``createcachetable`` makes every database cache table of the settings that is missing, so
this is the same step as 0007's, run again for the table that replaced the rate limits' own.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0011_fewer_revision_indexes"),
    ]

    operations = [
        migrations.RunPython(create_cache_tables, migrations.RunPython.noop),
    ]
