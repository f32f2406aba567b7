"""Year keys: the spans of years of each person's birth, death and arrests, which a year
typed in a search is checked against (registry.models.search.YearKey), made here in one
statement from the dates already stored."""

import django.db.models.deletion
from django.db import migrations, models

SPANS = """
INSERT INTO registry_yearkey (person_id, first_year, last_year)
SELECT DISTINCT person_id, {year_of_lower}, {year_of_upper} FROM (
    SELECT id AS person_id, birth_date_lower AS lower, birth_date_upper AS upper
      FROM registry_person
    UNION ALL
    SELECT id, death_date_lower, death_date_upper FROM registry_person
    UNION ALL
    SELECT person_id, date_lower, date_upper FROM registry_repressionevent
     WHERE kind = 'arrest'
) dates
WHERE lower IS NOT NULL AND upper IS NOT NULL
"""


def spans_sql(vendor: str) -> str:
    if vendor == "postgresql":
        year_of = "EXTRACT(YEAR FROM {})::int"
    else:  # SQLite keeps dates as ISO text
        year_of = "CAST(substr({}, 1, 4) AS INTEGER)"
    return SPANS.format(year_of_lower=year_of.format("lower"),
                        year_of_upper=year_of.format("upper"))


def backfill(apps, schema_editor):
    schema_editor.execute(spans_sql(schema_editor.connection.vendor))


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0014_latest_published_and_public_changes'),
    ]

    operations = [
        migrations.CreateModel(
            name='YearKey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('first_year', models.PositiveSmallIntegerField(verbose_name='first year')),
                ('last_year', models.PositiveSmallIntegerField(verbose_name='last year')),
                ('person', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='year_keys', to='registry.person')),
            ],
            options={
                'verbose_name': 'year search key',
                'verbose_name_plural': 'year search keys',
                'indexes': [models.Index(fields=['person', 'first_year', 'last_year'], name='yearkey_person_years')],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
