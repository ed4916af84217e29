"""Sales scripts: the manager writes a stage's script and checklist; the deal's page shows them
and which items were done, by whom and when."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from tandem.core.errors import ValidationFailed
from tandem.core.models import Event, User
from tandem.crm.models import Deal, Pipeline
from tandem.crm.models.scripts import ChecklistTick
from tandem.crm.services import scripts
from tests.kit.views import signed_in

pytestmark = pytest.mark.django_db


def test_a_stage_script_and_its_checklist_show_on_the_deal(
    pipeline: Pipeline, manager: User, salesperson: User, make_deal: Callable[..., Deal]
) -> None:
    new = pipeline.stages.get(name="New")
    page = signed_in(manager).post(
        reverse("crm:stage_script", args=[new.pk]),
        {"text": "Ask who decides.", "checklist": "Decision maker known\n\n Budget confirmed "},
    )
    assert page.status_code == 302
    assert signed_in(salesperson).get(reverse("crm:stage_script", args=[new.pk])).status_code == 403
    deal = make_deal()
    sam = signed_in(salesperson)
    assert sam.post(reverse("crm:deal_tick", args=[deal.pk]), {"item": "Budget confirmed"}).status_code == 302
    sam.post(reverse("crm:deal_tick", args=[deal.pk]), {"item": "Budget confirmed"})  # twice: once
    card = sam.get(deal.get_absolute_url())
    text, items = card.context["script"], card.context["checklist"]
    assert text == "Ask who decides."
    assert [(i.text, i.done_by) for i in items] == [
        ("Decision maker known", None),
        ("Budget confirmed", salesperson),
    ]
    assert "Budget confirmed" in card.content.decode() and items[1].done_at is not None
    assert Event.objects.filter(name="deal.checklist", subject_id=str(deal.pk)).count() == 1
    sam.post(reverse("crm:deal_tick", args=[deal.pk]), {"item": "Budget confirmed", "done": "0"})
    assert not ChecklistTick.objects.exists()
    with pytest.raises(ValidationFailed):
        scripts.tick_item(deal, salesperson, "Not on the list")
