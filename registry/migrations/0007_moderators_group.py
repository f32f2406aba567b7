"""The 'Moderators' group with exactly the permissions moderation needs, and the shared
cache table the submission rate limit counts in.

A moderator reads submissions and acts on them (change_submission), publishes, hides and
merges people and corrects their records and parts (change_person and the parts' add /
change / delete), approves photographs, adds a source while checking one, and reads the
places, camps and the moderation log. Nothing else: no deleting people, no users, no
places or camps edited.
"""

from django.core.management import call_command
from django.db import migrations

GROUP = "Moderators"
PERMISSIONS = {
    "person": ("view", "change"),
    "namevariant": ("view", "add", "change", "delete"),
    "repressionevent": ("view", "add", "change", "delete"),
    "citation": ("view", "add", "change", "delete"),
    "relationship": ("view", "add", "change", "delete"),
    "photo": ("view", "change"),
    "document": ("view", "change"),
    "source": ("view", "add", "change"),
    "place": ("view",),
    "placename": ("view",),
    "camp": ("view",),
    "submission": ("view", "change"),
    "submissionphoto": ("view",),
    "moderationlog": ("view",),
}


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally made after the last migration; make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    codenames = [f"{action}_{model}" for model, actions in PERMISSIONS.items()
                 for action in actions]
    permissions = Permission.objects.filter(content_type__app_label="registry",
                                            codename__in=codenames)
    assert permissions.count() == len(codenames), "a moderator permission is missing"
    group.permissions.set(permissions)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("registry", "0006_submissions"),
    ]

    operations = [
        migrations.RunPython(create_group, remove_group),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
