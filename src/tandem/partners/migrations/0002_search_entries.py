"""Index every existing partner for search (tandem.core.search). Uses the live search document
on purpose: the index holds what today's code would write, whatever the rows looked like then."""

from django.db import migrations


def index_existing(apps, schema_editor):
    from tandem.partners.models import Partner
    from tandem.core import search

    search.rebuild(Partner)


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0001_initial"),
        ("core", "0004_search_entries"),
    ]

    operations = [migrations.RunPython(index_existing, migrations.RunPython.noop, elidable=True)]
