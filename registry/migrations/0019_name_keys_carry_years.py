"""Name keys carry their person's years as bits (registry.search_index.year_bits), so that
"Kim 1937" keeps the right people while scanning the keys' index. Filled from the year keys
before the index that carries them is built."""

from django.db import migrations, models

# As registry.search_index.YEARS_IN_BITS when this was written (a migration keeps its own).
FIRST_YEAR_BIT, LAST_YEAR_BIT = 1890, 1952

FILL_POSTGRESQL = f"""
UPDATE registry_namekey k SET year_bits = person_bits.bits
FROM (
    SELECT person_id, bit_or(1::bigint << (year - {FIRST_YEAR_BIT})) AS bits
    FROM registry_yearkey,
         generate_series(GREATEST(first_year, {FIRST_YEAR_BIT}),
                         LEAST(last_year, {LAST_YEAR_BIT})) AS year
    GROUP BY person_id
) person_bits
WHERE k.person_id = person_bits.person_id
"""


def fill_year_bits(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FILL_POSTGRESQL)
        return
    YearKey = apps.get_model("registry", "YearKey")
    NameKey = apps.get_model("registry", "NameKey")
    bits: dict[int, int] = {}
    for person_id, first, last in YearKey.objects.values_list(
            "person_id", "first_year", "last_year").iterator():
        for year in range(max(first, FIRST_YEAR_BIT), min(last, LAST_YEAR_BIT) + 1):
            bits[person_id] = bits.get(person_id, 0) | 1 << (year - FIRST_YEAR_BIT)
    people_by_bits: dict[int, list[int]] = {}
    for person_id, person_bits in bits.items():
        people_by_bits.setdefault(person_bits, []).append(person_id)
    for person_bits, people in people_by_bits.items():
        for start in range(0, len(people), 500):
            NameKey.objects.filter(person_id__in=people[start:start + 500]).update(
                year_bits=person_bits)


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0018_names_and_places_without_hidden_controls'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='namekey',
            name='namekey_published_key',
        ),
        migrations.AddField(
            model_name='namekey',
            name='year_bits',
            field=models.BigIntegerField(default=0, verbose_name='years as bits'),
        ),
        migrations.RunPython(fill_year_bits, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='namekey',
            index=models.Index(condition=models.Q(('published', True)), fields=['key', 'person', 'sort_name', 'year_bits'], name='namekey_published_years'),
        ),
    ]
