"""The CRM's demo: leads in every state for each salesperson and web leads nobody took yet, and
the record rules holding on it (Anna leads the team, so she sees Sam's and Sofia's). Checks that
``tests/test_demo.py`` runs over its one build of the demo."""

from __future__ import annotations

from tandem.core.models import User
from tandem.crm.models import Deal, Lead
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
