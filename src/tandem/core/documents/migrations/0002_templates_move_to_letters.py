"""Document templates moved up to ``integrations.letters`` (state only, the table stays), and
the permission to sign is the signing certificate's. See letters' 0001_initial."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('documents', '0001_initial'),
        ('letters', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='signingcertificate',
            options={'permissions': [('sign_document', 'Can sign documents with the company certificate')], 'verbose_name': 'signing certificate', 'verbose_name_plural': 'signing certificates'},
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='DocumentTemplate')],
            database_operations=[],
        ),
    ]
