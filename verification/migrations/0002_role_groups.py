"""The newsroom's three role groups. Their admin permissions are synced after every migrate
(``verification.roles.sync_role_permissions``), since permissions only exist once all apps'
models have been migrated."""

from django.db import migrations

ROLE_GROUPS = ("viewer", "fact_checker", "editor")


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


def remove_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=ROLE_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("verification", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
