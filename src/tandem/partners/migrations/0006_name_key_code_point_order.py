from django.db import migrations

from tandem.core.collation import code_point_ordered


class Migration(migrations.Migration):
    dependencies = [("partners", "0005_address_version")]

    operations = [code_point_ordered("partners_partner", "name_key", 200)]
