"""CRM pages: the deal board (drag a card to another stage), deals, activities, the agenda,
pipelines and their stages, and the partner card's deal and activity panels."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, User
from tandem.crm import calls, mail, queries, services
from tandem.crm.filters import ActivityFilter, DealFilter, PipelineFilter
from tandem.crm.forms import (
    ActivityForm,
    CompleteForm,
    DealForm,
    LoseForm,
    PipelineForm,
    SendEmailForm,
    StageForm,
    customers,
    products_of_interest,
)
from tandem.crm.models import Activity, CallSettings, Communication, Deal, LostReason, Pipeline, Stage
from tandem.crm.services import scripts as sales_scripts
from tandem.partners.models import Partner
from tandem.web import autocomplete
from tandem.web.actions import Action, ActionView
from tandem.web.display import Column
from tandem.web.generic import (
    ModelView,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectFormView,
    ObjectListView,
    SortKey,
)
from tandem.web.tables import Table

PANEL_ROWS = 20

autocomplete.register(
    "crm.customer",
    autocomplete.Source(
        rows=lambda request: customers(request.user),
        search=lambda rows, text: rows.filter(name__icontains=text),
        order=("name_key", "id"),
    ),
)
autocomplete.register(
    "crm.person",
    autocomplete.Source(
        rows=lambda request: customers(request.user).filter(kind=Partner.Kind.PERSON),
        search=lambda rows, text: rows.filter(name__icontains=text),
        order=("name_key", "id"),
    ),
)
autocomplete.register(
    "crm.product",
    autocomplete.Source(
        rows=lambda request: products_of_interest(request.user),
        search=lambda rows, text: rows.filter(Q(name__icontains=text) | Q(sku__icontains=text)),
        order=("name_key", "id"),
    ),
)
autocomplete.register(
    "crm.deal",
    autocomplete.Source(
        rows=lambda request: Deal.objects.visible_to(request.user).filter(state=Deal.State.OPEN),
        search=queries.search_deals,
        order=("title", "id"),
    ),
)


def _money(deal: Deal) -> str:
    return f"{deal.amount:,.2f} {deal.currency_id}"


# --- pipelines and stages -------------------------------------------------------------------


class PipelineListView(ObjectListView):
    model = Pipeline
    filterset_class = PipelineFilter
    columns = [
        Column("name", gettext_lazy("Name"), link=True, sort="name"),
        Column("is_default", gettext_lazy("Default")),
        Column("active", gettext_lazy("Active")),
    ]
    sorts = {"name": SortKey("name", gettext_lazy("Name"))}
    default_sort = "name"
    create_url_name = "crm:pipeline_create"
    create_label = gettext_lazy("New pipeline")
    export_url_name = "crm:pipeline_export"


STAGE_COLUMNS = [
    Column("name", gettext_lazy("Stage"), link=lambda s: reverse("crm:stage_edit", args=[s.pk])),
    Column("sequence", gettext_lazy("Order"), numeric=True),
    Column("probability", gettext_lazy("Probability (%)"), numeric=True),
    Column("is_won", gettext_lazy("Won stage")),
    Column("is_lost", gettext_lazy("Lost stage")),
    Column("stall_days", gettext_lazy("Stalled after days")),
    Column(
        "script",
        gettext_lazy("Sales script"),
        accessor=lambda s: gettext_lazy("Script and checklist"),
        link=lambda s: reverse("crm:stage_script", args=[s.pk]),
        export=False,
    ),
]


class PipelineDetailView(ObjectDetailView):
    model = Pipeline
    template_name = "crm/pipeline_detail.html"
    edit_url_name = "crm:pipeline_edit"
    list_url_name = "crm:pipeline_list"
    fields = ["name", "is_default", "active", "created_at"]

    def get_context(self) -> dict[str, Any]:
        pipeline: Pipeline = self.object  # type: ignore[assignment]
        may_add = self.can("add", Stage)
        stages = Table(
            STAGE_COLUMNS,
            pipeline.stages.order_by("sequence", "id"),
            caption=gettext_lazy("Stages"),
            add_url=reverse("crm:stage_create", args=[pipeline.pk]) if may_add else None,
            add_label=gettext_lazy("Add stage"),
            key="stages",
        )
        return {
            **super().get_context(),
            "stages": stages,
            "board_url": f"{reverse('crm:board')}?pipeline={pipeline.pk}",
        }


class PipelineCreateView(ObjectCreateView):
    model = Pipeline
    form_class = PipelineForm
    title = gettext_lazy("New pipeline")
    list_url_name = "crm:pipeline_list"

    @staticmethod
    def service(company: Company, actor: User, **fields: Any) -> Pipeline:
        services.ensure_setup(company, actor)  # the default pipeline first, so a new one is not it by chance
        return services.create_pipeline(company, actor, stages=services.DEFAULT_STAGES, **fields)


class PipelineEditView(ObjectEditView):
    model = Pipeline
    form_class = PipelineForm
    service = services.update_pipeline


class StageCreateView(ObjectCreateView):
    model = Stage
    form_class = StageForm
    title = gettext_lazy("New stage")

    def pipeline(self) -> Pipeline:
        return get_object_or_404(Pipeline.objects.visible_to(self.request.user), pk=self.kwargs["pk"])

    def perform(self, form: Any) -> Model:
        return services.add_stage(self.pipeline(), self.request.user, **form.service_data())  # type: ignore[arg-type]

    def cancel_url(self) -> str:
        return reverse("crm:pipeline_detail", args=[self.kwargs["pk"]])


class StageEditView(ObjectEditView):
    model = Stage
    form_class = StageForm
    service = services.update_stage


# --- deals ----------------------------------------------------------------------------------


def _lose(request: Any, deal: Deal) -> None:
    reason_id = request.POST.get("reason") or ""
    reason = (
        LostReason.objects.visible_to(request.user).filter(pk=int(reason_id)).first()
        if reason_id.isdigit()
        else None
    )
    services.lose_deal(deal, request.user, reason=reason, note=request.POST.get("note", ""))


class DealActions(ActionView):
    model = Deal
    url_name = "crm:deal_{name}"
    actions = [
        Action(
            "win",
            gettext_lazy("Mark won"),
            lambda request, deal: services.win_deal(deal, request.user),
            done=gettext_lazy("Won: well done!"),
            available=lambda deal, user: deal.state == Deal.State.OPEN,
            style="success",
        ),
        Action(
            "lose",
            gettext_lazy("Mark lost"),
            _lose,
            done=gettext_lazy("Marked lost."),
            available=lambda deal, user: False,  # posted by the card's form, which asks why
        ),
        Action(
            "reopen",
            gettext_lazy("Reopen"),
            lambda request, deal: services.reopen_deal(deal, request.user),
            done=gettext_lazy("Reopened."),
            available=lambda deal, user: deal.state != Deal.State.OPEN,
        ),
    ]


DEAL_COLUMNS = [
    Column("title", gettext_lazy("Deal"), link=True, sort="title"),
    Column("partner", gettext_lazy("Customer")),
    Column("stage", gettext_lazy("Stage")),
    Column("state", gettext_lazy("State")),
    Column("amount", gettext_lazy("Amount"), numeric=True, sort="amount"),
    Column("currency", gettext_lazy("Currency"), accessor="currency_id"),
    Column("owner", gettext_lazy("Salesperson")),
    Column("team", gettext_lazy("Team")),
    Column("expected_close", gettext_lazy("Expected close"), sort="close"),
    Column("created_at", gettext_lazy("Created"), sort="created"),
]


class DealListView(ObjectListView):
    model = Deal
    filterset_class = DealFilter
    search_placeholder = gettext_lazy("Deal or customer")
    filter_fields = ["state", "pipeline", "owner", "team", "tag", "period", "source"]
    columns = DEAL_COLUMNS
    sorts = {
        "created": SortKey("created_at", gettext_lazy("Created"), descending=True),
        "title": SortKey("title", gettext_lazy("Deal")),
        "amount": SortKey("amount", gettext_lazy("Amount"), descending=True),
        "close": SortKey("expected_close", gettext_lazy("Expected close")),
    }
    default_sort = "created"
    create_url_name = "crm:deal_create"
    create_label = gettext_lazy("New deal")
    export_url_name = "crm:deal_export"

    def decorate(self, rows: QuerySet[Deal]) -> QuerySet[Deal]:
        return rows.select_related("partner", "stage", "owner", "team")


ACTIVITY_COLUMNS = [
    Column("subject", gettext_lazy("Activity"), link=True),
    Column("kind", gettext_lazy("Kind")),
    Column("state", gettext_lazy("State")),
    Column("due_at", gettext_lazy("Due")),
    Column("assignee", gettext_lazy("Assigned to")),
    Column("outcome", gettext_lazy("Outcome")),
]


class DealDetailView(ObjectDetailView):
    model = Deal
    template_name = "crm/deal_detail.html"
    action_view = DealActions
    edit_url_name = "crm:deal_edit"
    list_url_name = "crm:deal_list"
    fields = [
        "partner", "contact", "owner", "team", "pipeline", "stage", "state",
        ("Amount", _money), ("Probability (%)", lambda d: d.effective_probability),
        "expected_close", "source", "lost_reason", "lost_note", "notes", "last_activity_at", "created_at",
    ]  # fmt: skip

    def get_queryset(self) -> QuerySet[Deal]:
        return (
            super()
            .get_queryset()
            .select_related(
                "partner", "contact", "owner", "team", "pipeline", "stage", "lost_reason", "currency"
            )
        )

    def get_context(self) -> dict[str, Any]:
        deal: Deal = self.object  # type: ignore[assignment]
        activities = (
            Activity.objects.visible_to(self.request.user).filter(deal=deal).select_related("assignee")
        )
        may_change = self.can("change")
        return {
            **super().get_context(),
            "activities": Table(
                ACTIVITY_COLUMNS,
                activities.order_by("-due_at", "-id")[:PANEL_ROWS],
                caption=gettext_lazy("Activities"),
                empty=gettext_lazy("No activities yet."),
                add_url=f"{reverse('crm:activity_create')}?deal={deal.pk}"
                if self.can("add", Activity)
                else None,
                add_label=gettext_lazy("Schedule or log an activity"),
                key="activities",
            ),
            "open": deal.state == Deal.State.OPEN and may_change,
            "stages": deal.pipeline.stages.filter(is_won=False, is_lost=False).order_by("sequence", "id"),
            "lose_form": LoseForm(request=self.request),
            "lose_url": reverse("crm:deal_lose", args=[deal.pk]),
            "move_url": reverse("crm:deal_move", args=[deal.pk]),
            "email_url": reverse("crm:deal_email", args=[deal.pk]) if self.can("add", Activity) else None,
            "interests": list(deal.products_of_interest.select_related("product__uom")),
            **self.script_context(deal),
        }

    def script_context(self, deal: Deal) -> dict[str, Any]:
        text, items = sales_scripts.checklist(deal)
        return {"script": text, "checklist": items, "tick_url": reverse("crm:deal_tick", args=[deal.pk])}


class DealCreateView(ObjectCreateView):
    model = Deal
    form_class = DealForm
    form_template = "crm/_deal_form.html"
    title = gettext_lazy("New deal")
    service = services.create_deal
    list_url_name = "crm:deal_list"

    def get_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for name in ("partner", "pipeline"):
            value = self.request.GET.get(name, "")
            if value.isdigit():
                initial[name] = int(value)
        return initial


class DealEditView(ObjectEditView):
    model = Deal
    form_class = DealForm
    form_template = "crm/_deal_form.html"
    service = services.update_deal


class DealMoveView(ModelView):
    """POST ``stage`` (and the ``version`` the board showed): the card moves at once. From the
    board (htmx) the answer is the board again; from the deal's page, back to it."""

    model = Deal
    action = "change"

    def post(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        deal = get_object_or_404(self.get_queryset(), pk=pk)
        stage_id = request.POST.get("stage", "")
        version = request.POST.get("version", "")
        error = ""
        try:
            stage = (
                Stage.objects.visible_to(request.user).filter(pk=int(stage_id)).first()
                if stage_id.isdigit()
                else None
            )
            if stage is None:
                raise ValidationFailed({"stage": [_("Choose a stage.")]})
            expected = int(version) if version.isdigit() else None
            with transaction.atomic():
                services.move_deal(deal, request.user, stage, expected_version=expected)  # type: ignore[arg-type]
        except BusinessError as exc:
            error = exc.message
        if getattr(request, "htmx", False):
            board = BoardView(request=request, kwargs={})
            board.setup(request)
            return board.render_board(deal.pipeline, error=error, partial=True)
        if error:
            messages.error(request, error)
        return redirect(deal.get_absolute_url())


class BoardView(ModelView):
    """The deal board of one pipeline: a column per stage with its count and weighted sum."""

    model = Deal
    template_name = "crm/board.html"

    def get(self, request: HttpRequest) -> HttpResponseBase:
        company = getattr(request, "company", None)
        if company is None:
            messages.error(request, _("Choose a company to work in first."))
            return redirect("home")
        services.ensure_setup(company, request.user)  # type: ignore[arg-type]  # a first visit opens a ready board
        pipelines = Pipeline.objects.visible_to(request.user).filter(active=True)
        wanted = request.GET.get("pipeline", "")
        pipeline = (
            pipelines.filter(pk=int(wanted)).first() if wanted.isdigit() else None
        ) or pipelines.first()
        if pipeline is None:
            pipeline = services.ensure_setup(company, request.user)  # type: ignore[arg-type]
        return self.render_board(
            pipeline, partial=bool(getattr(request, "htmx", False)) and request.GET.get("partial") == "1"
        )

    def render_board(self, pipeline: Pipeline, *, error: str = "", partial: bool = False) -> HttpResponse:
        request = self.request
        filterset = DealFilter(request.GET, queryset=Deal.objects.visible_to(request.user), request=request)
        rows = filterset.qs if filterset.is_valid() else Deal.objects.visible_to(request.user)
        columns = queries.board(pipeline, rows, request.company.currency_id)  # type: ignore[attr-defined]
        context = {
            **self.base_context(),
            "title": _("Deals: %(pipeline)s") % {"pipeline": pipeline},
            "pipeline": pipeline,
            "pipelines": Pipeline.objects.visible_to(request.user).filter(active=True),
            "columns": columns,
            "filterset": filterset,
            "error": error,
            "now": timezone.now(),
            "may_move": request.user.has_perm("crm.change_deal"),
            "list_url": f"{reverse('crm:deal_list')}?pipeline={pipeline.pk}",
            "create_url": f"{reverse('crm:deal_create')}?pipeline={pipeline.pk}" if self.can("add") else None,
        }
        return render(request, "crm/_board.html" if partial else self.template_name, context)


# --- activities -----------------------------------------------------------------------------


def record_activity(company: Company, actor: User, *, done: bool = False, **fields: Any) -> Activity:
    """The form's service: log what happened (done) or schedule what is to do."""
    if done:
        return services.log_activity(company, actor, **fields)
    return services.schedule_activity(company, actor, **fields)


def _complete(request: Any, activity: Activity) -> None:
    form = CompleteForm(request.POST)
    if not form.is_valid():
        raise ValidationFailed({name: [str(e) for e in errors] for name, errors in form.errors.items()})
    services.complete_activity(
        activity, request.user, outcome=form.cleaned_data["outcome"], duration=form.cleaned_data["duration"]
    )


class ActivityActions(ActionView):
    model = Activity
    url_name = "crm:activity_{name}"
    actions = [
        Action(
            "complete",
            gettext_lazy("Mark done"),
            _complete,
            done=gettext_lazy("Done."),
            available=lambda a, user: a.state == Activity.State.PLANNED,
            style="success",
        ),
        Action(
            "cancel",
            gettext_lazy("Cancel"),
            lambda request, a: services.cancel_activity(a, request.user),
            done=gettext_lazy("Cancelled."),
            available=lambda a, user: a.state == Activity.State.PLANNED,
            style="outline-danger",
        ),
    ]

    def object_url(self, obj: Model) -> str:
        nxt = self.request.POST.get("next", "")
        if nxt.startswith("/") and not nxt.startswith("//"):
            return nxt
        return super().object_url(obj)


class ActivityListView(ObjectListView):
    model = Activity
    filterset_class = ActivityFilter
    search_placeholder = gettext_lazy("Subject")
    filter_fields = ["kind", "state", "assignee", "overdue"]
    columns = [
        Column("subject", gettext_lazy("Activity"), link=True, sort="subject"),
        Column("kind", gettext_lazy("Kind")),
        Column("state", gettext_lazy("State")),
        Column("due_at", gettext_lazy("Due"), sort="due"),
        Column("deal", gettext_lazy("Deal")),
        Column("partner", gettext_lazy("Customer")),
        Column("assignee", gettext_lazy("Assigned to")),
        Column("outcome", gettext_lazy("Outcome")),
    ]
    sorts = {
        "due": SortKey("due_at", gettext_lazy("Due"), descending=True),
        "subject": SortKey("subject", gettext_lazy("Activity")),
    }
    default_sort = "due"
    create_url_name = "crm:activity_create"
    create_label = gettext_lazy("New activity")
    export_url_name = "crm:activity_export"

    def decorate(self, rows: QuerySet[Activity]) -> QuerySet[Activity]:
        return rows.select_related("deal", "partner", "assignee")


class ActivityDetailView(ObjectDetailView):
    model = Activity
    action_view = ActivityActions
    edit_url_name = "crm:activity_edit"
    list_url_name = "crm:activity_list"
    fields = [
        "kind", "state", "deal", "partner", "assignee", "due_at", "done_at", "done_by", "duration", "outcome",
        "notes", "created_at",
    ]  # fmt: skip

    def get_queryset(self) -> QuerySet[Activity]:
        return super().get_queryset().select_related("deal", "partner", "assignee", "done_by")


class ActivityCreateView(ObjectCreateView):
    model = Activity
    form_class = ActivityForm
    title = gettext_lazy("New activity")
    service = record_activity
    list_url_name = "crm:activity_list"

    def get_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = {"due_at": timezone.localtime().replace(second=0, microsecond=0)}
        for name in ("deal", "partner"):
            value = self.request.GET.get(name, "")
            if value.isdigit():
                initial[name] = int(value)
        if self.request.GET.get("kind") in Activity.Kind.values:
            initial["kind"] = self.request.GET["kind"]
        if self.request.GET.get("done"):
            initial["done"] = True
        return initial

    def success_url(self, result: Model) -> str:
        activity: Activity = result  # type: ignore[assignment]
        if activity.deal_id:
            return reverse("crm:deal_detail", args=[activity.deal_id])
        return activity.get_absolute_url()


class ActivityEditView(ObjectEditView):
    model = Activity
    form_class = ActivityForm
    service = services.update_activity


class AgendaView(ModelView):
    """My agenda: what is overdue, due today and due this week, with one click to mark done."""

    model = Activity
    template_name = "crm/agenda.html"

    def get(self, request: HttpRequest) -> HttpResponseBase:
        agenda = queries.agenda(Activity.objects.visible_to(request.user), request.user)
        sections = [
            ("overdue", _("Overdue"), agenda.overdue),
            ("today", _("Today"), agenda.today),
            ("week", _("This week"), agenda.week),
        ]
        return render(
            request,
            self.template_name,
            {
                **self.base_context(),
                "title": _("My agenda"),
                "sections": sections,
                "may_change": self.can("change"),
                "new_url": reverse("crm:activity_create") if self.can("add") else None,
            },
        )


# --- the partner card's panels (registered in the manifest) ---------------------------------

PANEL_DEAL_COLUMNS = [
    Column("title", gettext_lazy("Deal"), link=True),
    Column("stage", gettext_lazy("Stage")),
    Column("state", gettext_lazy("State")),
    Column("amount", gettext_lazy("Amount"), accessor=_money, numeric=True),
    Column("owner", gettext_lazy("Salesperson")),
    Column("expected_close", gettext_lazy("Expected close")),
]
PANEL_ACTIVITY_COLUMNS = [
    Column("subject", gettext_lazy("Activity"), link=True),
    Column("kind", gettext_lazy("Kind")),
    Column("state", gettext_lazy("State")),
    Column("due_at", gettext_lazy("Due"), accessor=lambda a: a.due_at),
    Column("deal", gettext_lazy("Deal")),
    Column("assignee", gettext_lazy("Assigned to")),
]


def _of_partner(partner: Partner) -> dict[str, Any]:
    """A company's deals and activities name the organisation, or one of its people."""
    return {"partner": partner}


def deals_panel(partner: Partner, request: HttpRequest) -> Table:
    deals = (
        Deal.objects.visible_to(request.user)
        .filter(**_of_partner(partner))
        .select_related("stage", "owner")
        .order_by("-created_at", "-id")
    )
    may_add = request.user.has_perm("crm.add_deal")
    return Table(
        PANEL_DEAL_COLUMNS,
        deals[:PANEL_ROWS],
        caption=gettext_lazy("Deals"),
        empty=gettext_lazy("No deals yet."),
        add_url=f"{reverse('crm:deal_create')}?partner={partner.pk}" if may_add else None,
        add_label=gettext_lazy("Open a deal"),
        key="deals",
    )


def activities_panel(partner: Partner, request: HttpRequest) -> Table:
    activities = (
        Activity.objects.visible_to(request.user)
        .filter(**_of_partner(partner))
        .select_related("deal", "assignee")
        .order_by("-due_at", "-id")
    )
    may_add = request.user.has_perm("crm.add_activity")
    return Table(
        PANEL_ACTIVITY_COLUMNS,
        activities[:PANEL_ROWS],
        caption=gettext_lazy("Activities"),
        empty=gettext_lazy("No activities yet."),
        add_url=f"{reverse('crm:activity_create')}?partner={partner.pk}" if may_add else None,
        add_label=gettext_lazy("Log a call or schedule a task"),
        key="activities",
    )


# --- communications: e-mail from the card or a deal, the card's communications panel ---------


class SendEmailView(ObjectFormView):
    """Send an e-mail to the customer (``partner``) or about a deal (``deal``); it is logged as an
    e-mail activity on the customer's timeline."""

    model = Activity
    action = "add"
    form_class = SendEmailForm
    subject_model: type[Model] = Partner

    def get_object(self) -> Model | None:
        rows = self.subject_model.objects.visible_to(self.request.user)  # type: ignore[attr-defined]
        return get_object_or_404(rows, pk=self.kwargs["pk"])  # type: ignore[no-any-return]

    def _partner(self) -> Partner:
        subject = self.object
        return subject.partner if isinstance(subject, Deal) else subject  # type: ignore[return-value]

    def get_initial(self) -> dict[str, Any]:
        partner = self._partner()
        subject = self.object
        return {"to": partner.email, "subject": subject.title if isinstance(subject, Deal) else ""}

    def form_context(self) -> dict[str, Any]:
        return {"title": _("Send an e-mail to %(who)s") % {"who": self._partner()}}

    def perform(self, form: Any) -> Model:
        subject = self.object
        deal = subject if isinstance(subject, Deal) else None
        return mail.send_email(
            self.request.company,  # type: ignore[attr-defined]
            self.request.user,  # type: ignore[arg-type]
            partner=None if deal is not None else subject,  # type: ignore[arg-type]
            deal=deal,
            **form.service_data(),
        )

    def success_message(self, result: Model) -> str:
        return _("E-mail queued to %(to)s and logged.") % {"to": ", ".join(result.recipients)}  # type: ignore[attr-defined]

    def success_url(self, result: Model) -> str:
        return str(self.object.get_absolute_url())  # type: ignore[union-attr]


class DealEmailView(SendEmailView):
    subject_model = Deal


class CallSettingsView(ModelView):
    """Settings → Phone system: the call-event address and its signing secret."""

    model = CallSettings
    action = "view"
    template_name = "crm/call_settings.html"

    def _page(self, request: HttpRequest, secret: str = "") -> HttpResponse:
        company = request.company  # type: ignore[attr-defined]
        endpoint = request.build_absolute_uri(
            reverse("api-crm-call-event-receive", kwargs={"company": company.code})
        )
        return render(
            request,
            self.template_name,
            {
                **self.base_context(),
                "title": _("Phone system"),
                "endpoint": endpoint,
                "secret": secret,
                "settings_row": CallSettings.objects.filter(company=company).first(),
                "may_change": self.can("change"),
            },
        )

    def get(self, request: HttpRequest) -> HttpResponseBase:
        return self._page(request)

    def post(self, request: HttpRequest) -> HttpResponseBase:
        if not self.can("change"):
            return self.handle_no_permission()
        secret = calls.rotate_secret(request.company, request.user)  # type: ignore[attr-defined, arg-type]
        messages.success(request, _("A new secret is made; the old one no longer works."))
        return self._page(request, secret)


def _counterpart(communication: Communication) -> str:
    if communication.direction == Communication.Direction.INBOUND:
        return communication.sender
    return ", ".join(communication.recipients)[:200]


PANEL_COMMUNICATION_COLUMNS = [
    Column("occurred_at", gettext_lazy("When"), accessor=lambda c: c.occurred_at),
    Column("channel", gettext_lazy("Channel")),
    Column("direction", gettext_lazy("Direction")),
    Column(
        "subject", gettext_lazy("Subject"), accessor=lambda c: c.subject or c.get_status_display(), link=True
    ),
    Column("counterpart", gettext_lazy("From or to"), accessor=_counterpart),
    Column(
        "recording",
        gettext_lazy("Recording"),
        accessor=lambda c: gettext_lazy("Listen") if c.recording_link else "",
        link=lambda c: c.recording_link or None,
    ),
]


def communications_panel(partner: Partner, request: HttpRequest) -> Table:
    """The card's e-mails and calls, newest first, with its quick actions: log a call, schedule
    a task, send an e-mail, open a deal."""
    rows = (
        Communication.objects.visible_to(request.user).filter(partner=partner).order_by("-occurred_at", "-id")
    )
    user = request.user
    actions = []
    if user.has_perm("crm.add_activity"):
        new = reverse("crm:activity_create")
        actions += [
            (f"{new}?partner={partner.pk}&kind=call&done=1", _("Log a call")),
            (f"{new}?partner={partner.pk}&kind=task", _("Schedule a task")),
            (reverse("crm:partner_email", args=[partner.pk]), _("Send an e-mail")),
        ]
    if user.has_perm("crm.add_deal"):
        actions.append((f"{reverse('crm:deal_create')}?partner={partner.pk}", _("Open a deal")))
    return Table(
        PANEL_COMMUNICATION_COLUMNS,
        rows[:PANEL_ROWS],
        caption=gettext_lazy("E-mails and calls"),
        empty=gettext_lazy("No e-mails or calls yet."),
        key="communications",
        actions=actions,
    )
