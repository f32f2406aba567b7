"""A PostgreSQL index for prefix search over folded keys; keys for existing people.

The index exists only on PostgreSQL (SQLite has no such operator class); the search uses
it behind the same vendor switch. Typos are looked up in the much smaller vocabulary of
spellings (0005), so the keys carry no trigram index: it would only slow every write. The backfill makes keys for people written
before the keys existed, with the same pure functions the application uses.
"""

from django.db import migrations

POSTGRESQL_INDEXES = [
    "CREATE INDEX IF NOT EXISTS namekey_folded_prefix ON registry_namekey "
    "(key varchar_pattern_ops) WHERE kind = 'f'",
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL_INDEXES:
            schema_editor.execute(statement)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS namekey_folded_prefix")


def backfill(apps, schema_editor):
    # Folded spellings only: since 0009 a stem or a sound is the vocabulary's, not a
    # person's (this backfill used to write those keys too; 0009 removes them).
    from registry.search_index import NAME_FIELDS, VARIANT_FIELDS, folded_keys, names_of

    Person = apps.get_model("registry", "Person")
    NameVariant = apps.get_model("registry", "NameVariant")
    NameKey = apps.get_model("registry", "NameKey")
    people = Person.objects.order_by("pk").values("pk", *NAME_FIELDS)
    batch = []
    for start in range(0, people.count(), 2000):
        chunk = list(people[start:start + 2000])
        variants = {}
        for variant in NameVariant.objects.filter(
                person_id__in=[p["pk"] for p in chunk]).values("person_id", *VARIANT_FIELDS):
            variants.setdefault(variant["person_id"], []).append(variant)
        batch = [NameKey(person_id=person["pk"], kind="f", key=key) for person in chunk
                 for key in folded_keys(names_of(person, variants.get(person["pk"], [])))]
        NameKey.objects.bulk_create(batch, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_name_keys")]
    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
