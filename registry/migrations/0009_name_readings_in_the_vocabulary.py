"""A person's name keys become spellings only; stems and sounds move to the vocabulary.

A stem (Ivanova -> ivan) and the Daitch–Mokotoff codes of a word are facts about a
spelling, the same for every person who has it; stored per person they were two thirds of
the eight million keys of a million people, written by every import. Now ``NameSpelling``
holds each spelling's stem and ``NameSound`` its codes, and a search turns a word's stem
or sound into spellings before it looks for people (registry/search.py).
"""

from django.db import migrations, models


def drop_other_readings(apps, schema_editor):
    schema_editor.execute("DELETE FROM registry_namekey WHERE kind <> 'f'")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS namekey_folded_prefix")


def restore_folded_prefix_index(apps, schema_editor):
    # Going back: the keys left are spellings (kind 'f', the column's default below);
    # the stems and sounds come back with rebuild_name_keys on the older code.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE INDEX IF NOT EXISTS namekey_folded_prefix ON "
                              "registry_namekey (key varchar_pattern_ops) WHERE kind = 'f'")


def create_prefix_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE INDEX IF NOT EXISTS namekey_prefix ON registry_namekey "
                              "(key varchar_pattern_ops)")


def drop_prefix_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS namekey_prefix")


def fill_vocabulary(apps, schema_editor):
    """Stems and sounds of every name the registry holds, read from the names themselves
    with the same pure functions the application uses (a sound depends on the word as
    written, not only on its folded spelling)."""
    from registry.names import search_keys, sex_stem

    Person = apps.get_model("registry", "Person")
    NameVariant = apps.get_model("registry", "NameVariant")
    NameSpelling = apps.get_model("registry", "NameSpelling")
    NameSound = apps.get_model("registry", "NameSound")
    names = set()
    for model, fields in ((Person, ("surname", "given_name", "patronymic", "maiden_name")),
                          (NameVariant, ("surname", "given_name", "patronymic"))):
        for field in fields:
            names |= set(model.objects.order_by().values_list(field, flat=True).distinct())
    spellings, sounds = set(), set()
    for name in names:
        for token in search_keys(name or ""):
            spellings |= token.foldings
            sounds |= token.sounds
    known = set(NameSpelling.objects.values_list("key", flat=True))
    NameSpelling.objects.bulk_create([NameSpelling(key=key) for key in spellings - known],
                                     batch_size=2000)
    updated = list(NameSpelling.objects.all())
    for spelling in updated:
        spelling.stem = sex_stem(spelling.key)
    NameSpelling.objects.bulk_update(updated, ["stem"], batch_size=2000)
    NameSound.objects.bulk_create([NameSound(code=code, spelling=key)
                                   for code, key in sorted(sounds)], batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0008_revisions_indexed_by_record'),
    ]

    operations = [
        migrations.CreateModel(
            name='NameSound',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=6, verbose_name='Daitch–Mokotoff code')),
                ('spelling', models.CharField(max_length=150, verbose_name='spelling')),
            ],
            options={
                'verbose_name': 'name sound',
                'verbose_name_plural': 'name sounds',
            },
        ),
        migrations.RunPython(drop_other_readings, restore_folded_prefix_index, elidable=False),
        migrations.RemoveIndex(
            model_name='namekey',
            name='namekey_lookup',
        ),
        migrations.RemoveIndex(
            model_name='namekey',
            name='namekey_published',
        ),
        # A default first, so that going back gives every remaining key its kind ('f').
        migrations.AlterField(
            model_name='namekey',
            name='kind',
            field=models.CharField(choices=[('f', 'folded spelling'), ('s', 'without a suffix of sex'), ('p', 'Daitch–Mokotoff code')], default='f', max_length=1, verbose_name='kind'),
        ),
        migrations.RemoveField(
            model_name='namekey',
            name='kind',
        ),
        migrations.AddField(
            model_name='namespelling',
            name='stem',
            field=models.CharField(blank=True, help_text='The spelling without its suffix of sex (-ov, -ova, -uly…); blank when it has none.', max_length=150, verbose_name='stem'),
        ),
        migrations.AddIndex(
            model_name='namekey',
            index=models.Index(fields=['key', 'person'], name='namekey_key_person'),
        ),
        migrations.AddIndex(
            model_name='namekey',
            index=models.Index(condition=models.Q(('published', True)), fields=['key', 'person', 'sort_name'], name='namekey_published_key'),
        ),
        migrations.AddIndex(
            model_name='namespelling',
            index=models.Index(condition=models.Q(('stem', ''), _negated=True), fields=['stem'], name='namespelling_stem'),
        ),
        migrations.AddConstraint(
            model_name='namesound',
            constraint=models.UniqueConstraint(fields=('code', 'spelling'), name='namesound_code_spelling'),
        ),
        migrations.RunPython(create_prefix_index, drop_prefix_index),
        migrations.RunPython(fill_vocabulary, migrations.RunPython.noop),
    ]
