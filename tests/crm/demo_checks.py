"""The CRM's demo: leads in every state for each salesperson and web leads nobody took yet, and
the record rules holding on it (Anna leads the team, so she sees Sam's and Sofia's). Checks that
``tests/test_demo.py`` runs over its one build of the demo."""

from __future__ import annotations

from tandem.core.models import User
from tandem.crm.models import Deal, Lead, SalesTeam
from tandem.sales.models import SalesOrder
from tests.kit.demo import DemoChecks


class TheDemoLeads(DemoChecks):
    def test_the_demo_leads_list_looks_real_and_keeps_its_rules(self) -> None:
        assert set(Lead.objects.values_list("state", flat=True)) == set(Lead.State.values)
        assert len(set(Lead.objects.values_list("source", flat=True))) >= 5
        assert Lead.objects.filter(owner__isnull=True, source=Lead.Source.WEBSITE).count() == 3
        assert Lead.objects.filter(state=Lead.State.CONVERTED, deal__isnull=False).exists()
        sam, sofia, anna, admin = (
            User.objects.get(username=name) for name in ("sam", "sofia", "anna", "admin")
        )
        mine = Lead.objects.visible_to(sam)
        assert mine.exists() and not mine.exclude(owner=sam).exists()
        team = Lead.objects.visible_to(anna)
        assert team.filter(owner=sam).exists() and team.filter(owner=sofia).exists()
        assert not team.filter(owner__isnull=True).exists()  # the web leads wait for the director
        assert Lead.objects.visible_to(admin).count() == Lead.objects.count()
        assert Deal.objects.visible_to(anna).count() == Deal.objects.exclude(owner__isnull=True).count()
        # Every deal asks about products of the demo catalogue; some won ones were quoted and ordered
        # from them, so the deal page's panel has quotations, orders and revenue to show.
        assert not Deal.objects.filter(products_of_interest__isnull=True).exists()
        from_deals = SalesOrder.objects.filter(deal__state=Deal.State.WON)
        assert {SalesOrder.State.SENT, SalesOrder.State.CONFIRMED} <= set(
            from_deals.values_list("state", flat=True)
        )
        for order in from_deals:
            assert sorted(order.lines.values_list("product_id", "quantity")) == sorted(
                order.deal.products_of_interest.values_list("product_id", "quantity")  # type: ignore[union-attr]
            )

    def test_the_demo_deals_count_for_the_field_sales_team(self) -> None:
        """The team exists before the deals, so each salesperson's deal counts for it and the
        board's team filter and the team's KPIs have them (issue 16)."""
        from django.utils import timezone

        from tandem.crm import analytics

        team = SalesTeam.objects.get(name="Field sales")
        sellers = set(team.members.values_list("pk", flat=True))
        of_sellers = Deal.objects.filter(owner__in=sellers)
        assert of_sellers.exists() and not of_sellers.exclude(team=team).exists()
        anna = User.objects.get(username="anna")
        first = timezone.localdate().replace(day=1)
        figures = analytics.kpis(anna, team.company, first)
        row = next(entry for entry in figures.teams if entry.team == team)
        won = Deal.objects.filter(team=team, state=Deal.State.WON, closed_at__date__gte=first)
        assert row.deals == won.count() and row.deals > 0

    def test_the_demo_segments_have_members_and_show_on_the_card(self) -> None:
        from tandem.crm import segments
        from tandem.crm.models import Segment
        from tandem.partners.models import Partner

        anna, sam = (User.objects.get(username=name) for name in ("anna", "sam"))
        shown = list(Segment.objects.visible_to(anna))
        counts = segments.member_counts(shown, anna)
        assert len(shown) >= 4 and all(counts.values()), counts
        key_account = Partner.objects.visible_to(sam).filter(tags__name="Key account").first()
        assert key_account is not None
        mine = segments.member_counts(shown, sam, key_account)
        assert mine[Segment.objects.get(name="Key accounts").pk] == 1
