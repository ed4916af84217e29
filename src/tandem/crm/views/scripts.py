"""Sales scripts: the stage's script and checklist page (pipelines → a stage → its script), and
ticking an item on a deal's page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core.errors import BusinessError
from tandem.crm.models import Deal, Stage
from tandem.crm.models.scripts import StageScript
from tandem.crm.services import scripts
from tandem.web.generic import ModelView


class ScriptForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Script"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    checklist = forms.CharField(
        label=gettext_lazy("Checklist"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("One item a line."),
    )  # fmt: skip


class StageScriptView(ModelView):
    model = Stage
    action = "change"
    template_name = "crm/stage_script.html"

    def stage(self) -> Stage:
        return get_object_or_404(self.get_queryset().select_related("pipeline"), pk=self.kwargs["pk"])  # type: ignore[no-any-return]

    def show(self, stage: Stage, form: ScriptForm, status: int = 200) -> HttpResponseBase:
        context = {
            **self.base_context(),
            "title": _("Sales script: %(stage)s") % {"stage": stage},
            "stage": stage,
            "form": form,
            "cancel_url": stage.pipeline.get_absolute_url(),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        stage = self.stage()
        script = StageScript.objects.filter(stage=stage).first()
        initial = {"text": script.text, "checklist": script.checklist} if script else {}
        return self.show(stage, ScriptForm(initial=initial))

    def post(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        stage = self.stage()
        form = ScriptForm(request.POST)
        if not form.is_valid():
            return self.show(stage, form, 400)
        try:
            scripts.set_stage_script(stage, request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except BusinessError as exc:
            form.add_error(None, exc.message)
            return self.show(stage, form, 400)
        messages.success(request, _("Saved."))
        return redirect(stage.pipeline.get_absolute_url())


class DealTickView(ModelView):
    """POST ``item`` (and ``done=0`` to undo) on a deal: one checklist item of its stage."""

    model = Deal
    action = "change"

    def post(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        deal = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            done = request.POST.get("done") != "0"
            scripts.tick_item(deal, request.user, request.POST.get("item", ""), done=done)  # type: ignore[arg-type]
        except BusinessError as exc:
            messages.error(request, exc.message)
        return redirect(deal.get_absolute_url())
