"""Sales scripts: a stage's script and checklist (set by the sales manager), and ticking an
item on a deal (who and when, recorded on the deal's history)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tandem.core import events
from tandem.core.errors import ValidationFailed
from tandem.core.models import User
from tandem.crm.models import Deal, Stage
from tandem.crm.models.scripts import ChecklistTick, StageScript


@transaction.atomic
def set_stage_script(stage: Stage, actor: User | None, *, text: str = "", checklist: str = "") -> StageScript:
    text, checklist = (text or "").strip(), (checklist or "").strip()
    if len(text) > 20000 or len(checklist) > 5000:
        raise ValidationFailed({"text": [_("This script is too long.")]})
    items = [line.strip() for line in checklist.splitlines() if line.strip()]
    if any(len(item) > 200 for item in items):
        raise ValidationFailed({"checklist": [_("Keep each item under 200 characters.")]})
    script, _created = StageScript.objects.update_or_create(
        stage=stage, defaults={"company_id": stage.company_id, "text": text, "checklist": "\n".join(items)}
    )
    events.record("stage.script_set", stage.pipeline, actor, {"stage": stage.name, "items": len(items)})
    return script


@dataclass
class Item:
    text: str
    done_by: Any = None
    done_at: datetime | None = None


def checklist(deal: Deal) -> tuple[str, list[Item]]:
    """The script of the deal's stage and its checklist, each item with who ticked it and when."""
    script = StageScript.objects.filter(stage_id=deal.stage_id).first()
    if script is None:
        return "", []
    ticks = {
        t.item: t
        for t in ChecklistTick.objects.filter(deal=deal, stage_id=deal.stage_id).select_related("done_by")
    }
    return script.text, [
        Item(item, ticks[item].done_by, ticks[item].done_at) if item in ticks else Item(item)
        for item in script.items
    ]


@transaction.atomic
def tick_item(deal: Deal, actor: User | None, item: str, *, done: bool = True) -> None:
    """Mark one item of the deal's stage checklist done (or not done again)."""
    script = StageScript.objects.filter(stage_id=deal.stage_id).first()
    item = (item or "").strip()
    if script is None or item not in script.items:
        raise ValidationFailed({"item": [_("This is not an item of the stage's checklist.")]})
    person = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    if done:
        try:
            with transaction.atomic():
                ChecklistTick.objects.create(
                    company_id=deal.company_id, deal=deal, stage_id=deal.stage_id, item=item, done_by=person
                )
        except IntegrityError:
            return  # ticked already
    elif not ChecklistTick.objects.filter(deal=deal, stage_id=deal.stage_id, item=item).delete()[0]:
        return
    events.record("deal.checklist", deal, actor, {"item": item, "done": done})
