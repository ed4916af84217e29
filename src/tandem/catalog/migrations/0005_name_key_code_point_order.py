from django.db import migrations

from tandem.core.collation import code_point_ordered


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_pricelist_version")]

    operations = [code_point_ordered("catalog_product", "name_key", 200)]
