"""Sales scripts: per stage, what to say and a checklist of what to do before moving on; on a
deal, which items were done, by whom and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.bases import CompanyOwned, Versioned


class StageScript(CompanyOwned, Versioned):
    stage = models.OneToOneField("crm.Stage", models.CASCADE, related_name="script", verbose_name=_("stage"))
    text = models.TextField(_("script"), blank=True)
    checklist = models.TextField(_("checklist"), blank=True, help_text=_("One item a line."))

    class Meta:
        verbose_name = _("sales script")
        verbose_name_plural = _("sales scripts")

    def __str__(self) -> str:
        return str(self.stage)

    @property
    def items(self) -> list[str]:
        return [line.strip()[:200] for line in self.checklist.splitlines() if line.strip()]


class ChecklistTick(CompanyOwned):
    """One checklist item done on one deal."""

    deal = models.ForeignKey("crm.Deal", models.CASCADE, related_name="ticks", verbose_name=_("deal"))
    stage = models.ForeignKey("crm.Stage", models.CASCADE, related_name="+", verbose_name=_("stage"))
    item = models.CharField(_("item"), max_length=200)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("done by"),
    )  # fmt: skip
    done_at = models.DateTimeField(_("done"), auto_now_add=True)

    class Meta:
        ordering = ["done_at", "id"]
        verbose_name = _("checklist item done")
        verbose_name_plural = _("checklist items done")
        constraints = [models.UniqueConstraint(fields=["deal", "stage", "item"], name="crm_tick_once")]

    def __str__(self) -> str:
        return self.item
