"""Partner match keys now fold look-alike characters (Cyrillic "Асmе" keys like Latin "Acme"):
recompute the stored keys so the duplicate check compares like with like."""

from django.db import migrations

BATCH = 2000


def refold(apps, schema_editor):
    from tandem.partners.names import core_name

    Partner = apps.get_model("partners", "Partner")
    last = 0
    while True:
        batch = list(Partner.objects.filter(pk__gt=last).order_by("pk").only("pk", "name", "match_key")[:BATCH])
        if not batch:
            return
        changed = []
        for partner in batch:
            key = core_name(partner.name)
            if key != partner.match_key:
                partner.match_key = key
                changed.append(partner)
        Partner.objects.bulk_update(changed, ["match_key"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [("partners", "0003_list_filter_indexes")]

    operations = [migrations.RunPython(refold, migrations.RunPython.noop, elidable=True)]
