"""Index every existing product for search (tandem.core.search). Uses the live search document
on purpose: the index holds what today's code would write, whatever the rows looked like then."""

from django.db import migrations


def index_existing(apps, schema_editor):
    from tandem.catalog.models import Product
    from tandem.core import search

    search.rebuild(Product)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_initial"),
        ("core", "0004_search_entries"),
    ]

    operations = [migrations.RunPython(index_existing, migrations.RunPython.noop, elidable=True)]
