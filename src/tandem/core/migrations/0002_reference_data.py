from django.db import migrations


def seed_reference(apps, schema_editor):  # type: ignore[no-untyped-def]
    from tandem.core.reference import seed

    seed(apps)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed_reference, migrations.RunPython.noop)]
