"""Document templates move from ``core.documents`` up to ``integrations.letters``.

The table stays where it is (``documents_documenttemplate``): only Django's state moves, and
the existing content type is relabelled so that permissions granted on templates, events
and attachments about them keep pointing at the same rows. The permission to sign moves to
the signing certificate, which stays in ``core.documents``.
"""

import django.db.models.deletion
from django.db import migrations, models


def _move(apps, old_label, new_label, sign_to):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    Permission = apps.get_model('auth', 'Permission')
    template_type = ContentType.objects.filter(app_label=old_label, model='documenttemplate').first()
    if template_type is None:  # a new database: post_migrate creates the content types
        return
    template_type.app_label = new_label
    template_type.save(update_fields=['app_label'])
    signing_type, _created = ContentType.objects.get_or_create(app_label='documents', model=sign_to)
    Permission.objects.filter(codename='sign_document').update(content_type=signing_type)


def relabel_content_type(apps, schema_editor):
    _move(apps, 'documents', 'letters', 'signingcertificate')


def relabel_content_type_back(apps, schema_editor):
    _move(apps, 'letters', 'documents', 'documenttemplate')


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('core', '0003_company_letterhead'),
        ('documents', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='DocumentTemplate',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120, verbose_name='name')),
                        ('kind', models.CharField(choices=[('letter', 'Letter'), ('offer', 'Offer'), ('contract', 'Contract')], default='letter', max_length=16, verbose_name='kind')),
                        ('language', models.CharField(choices=[('en', 'English'), ('ru', 'Russian'), ('pl', 'Polish'), ('sl', 'Slovenian'), ('zh-hans', 'Simplified Chinese')], default='en', max_length=8, verbose_name='language')),
                        ('subject', models.CharField(blank=True, max_length=300, verbose_name='subject')),
                        ('body', models.TextField(verbose_name='body')),
                        ('active', models.BooleanField(default=True, verbose_name='active')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('version', models.PositiveIntegerField(default=1, editable=False)),
                        ('company', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='core.company', verbose_name='company')),
                    ],
                    options={
                        'verbose_name': 'document template',
                        'verbose_name_plural': 'document templates',
                        'db_table': 'documents_documenttemplate',
                        'ordering': ['name', 'id'],
                        'permissions': [('generate_document', 'Can generate documents from templates')],
                        'indexes': [models.Index(fields=['company', 'active', 'name'], name='documents_template_list_idx')],
                        'constraints': [models.UniqueConstraint(fields=('company', 'name', 'language'), name='documents_template_unique_name')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel_content_type, relabel_content_type_back),
    ]
