# A deal's sales team (issue 16): the team filters and the per-team funnel and KPIs read it,
# instead of the owner's team membership (which counted a deal once per team of its owner).

import django.db.models.deletion
from django.db import migrations, models


def fill_teams(apps, schema_editor):
    """Existing deals count for their owner's team when the owner is in (or leads) exactly one team
    of the deal's company; the others stay without a team, to be chosen on the deal."""
    Deal = apps.get_model("crm", "Deal")
    SalesTeam = apps.get_model("crm", "SalesTeam")
    teams: dict[tuple[int, int], set[int]] = {}
    for team_id, company_id, leader_id in SalesTeam.objects.values_list("pk", "company_id", "leader_id"):
        if leader_id is not None:
            teams.setdefault((company_id, leader_id), set()).add(team_id)
    members = SalesTeam.members.through.objects.values_list("salesteam_id", "salesteam__company_id", "user_id")
    for team_id, company_id, user_id in members:
        teams.setdefault((company_id, user_id), set()).add(team_id)
    for (company_id, user_id), found in teams.items():
        if len(found) == 1:
            Deal.objects.filter(company_id=company_id, owner_id=user_id, team__isnull=True).update(
                team_id=next(iter(found))
            )


class Migration(migrations.Migration):

    dependencies = [
        ("crm", "0010_deal_close_reminder"),
    ]

    operations = [
        migrations.AddField(
            model_name="deal",
            name="team",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty: the salesperson's team, when they are in one team only.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="deals",
                to="crm.salesteam",
                verbose_name="team",
            ),
        ),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(fields=["company", "team", "-created_at", "-id"], name="deal_team_idx"),
        ),
        migrations.RunPython(fill_teams, migrations.RunPython.noop, elidable=True),
    ]
