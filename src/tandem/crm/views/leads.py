"""Lead pages: the list (search, filters, export), the card with qualify / disqualify / reopen,
the form, and the conversion page (pick one of the probable duplicates or make a customer,
then open a deal)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tandem.core.errors import BusinessError, DuplicateFound, ValidationFailed
from tandem.core.importing import duplicate_reasons
from tandem.crm import services
from tandem.crm.filters.leads import LeadFilter
from tandem.crm.forms.leads import ConvertForm, DisqualifyForm, LeadForm
from tandem.crm.models import Lead, LeadCaptureKey
from tandem.crm.services import capture as capture_service
from tandem.partners.models import Partner
from tandem.web.actions import Action, ActionView
from tandem.web.display import Column
from tandem.web.generic import (
    ModelView,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    SortKey,
)


def _disqualify(request: Any, lead: Lead) -> None:
    form = DisqualifyForm(request.POST)
    if not form.is_valid():
        raise ValidationFailed({name: [str(e) for e in errors] for name, errors in form.errors.items()})
    services.disqualify_lead(lead, request.user, reason=form.cleaned_data["reason"])


OPEN = {Lead.State.NEW, Lead.State.QUALIFIED}


class LeadActions(ActionView):
    model = Lead
    url_name = "crm:lead_{name}"
    actions = [
        Action(
            "qualify",
            gettext_lazy("Qualify"),
            lambda request, lead: services.qualify_lead(lead, request.user),
            done=gettext_lazy("Qualified."),
            available=lambda lead, user: lead.state == Lead.State.NEW,
            style="success",
        ),
        Action(
            "disqualify",
            gettext_lazy("Disqualify"),
            _disqualify,
            done=gettext_lazy("Disqualified."),
            available=lambda lead, user: False,  # posted by the card's form, which asks why
        ),
        Action(
            "reopen",
            gettext_lazy("Reopen"),
            lambda request, lead: services.reopen_lead(lead, request.user),
            done=gettext_lazy("Reopened."),
            available=lambda lead, user: lead.state == Lead.State.DISQUALIFIED,
        ),
    ]


LEAD_COLUMNS = [
    Column("title", gettext_lazy("Lead"), link=True, sort="title"),
    Column("company_name", gettext_lazy("Company")),
    Column("contact_name", gettext_lazy("Contact")),
    Column("email", gettext_lazy("E-mail")),
    Column("phone", gettext_lazy("Phone")),
    Column("source", gettext_lazy("Source")),
    Column("state", gettext_lazy("State")),
    Column("budget", gettext_lazy("Budget"), numeric=True),
    Column("owner", gettext_lazy("Salesperson")),
    Column("created_at", gettext_lazy("Created"), sort="created"),
]


class LeadListView(ObjectListView):
    model = Lead
    filterset_class = LeadFilter
    search_placeholder = gettext_lazy("Name, company, e-mail or phone")
    filter_fields = ["state", "source", "timeline", "owner"]
    columns = LEAD_COLUMNS
    sorts = {
        "created": SortKey("created_at", gettext_lazy("Created"), descending=True),
        "title": SortKey("title", gettext_lazy("Lead")),
    }
    default_sort = "created"
    create_url_name = "crm:lead_create"
    create_label = gettext_lazy("New lead")
    export_url_name = "crm:lead_export"

    def decorate(self, rows: QuerySet[Lead]) -> QuerySet[Lead]:
        return rows.select_related("owner")


class LeadDetailView(ObjectDetailView):
    model = Lead
    template_name = "crm/lead_detail.html"
    action_view = LeadActions
    edit_url_name = "crm:lead_edit"
    list_url_name = "crm:lead_list"
    fields = [
        "state", "source", "owner", "company_name", "contact_name", "email", "phone", "budget", "currency",
        "need", "timeline", "disqualify_reason", "partner", "deal", "notes", "qualified_at", "qualified_by",
        "converted_at", "converted_by", "created_at",
    ]  # fmt: skip

    def get_queryset(self) -> QuerySet[Lead]:
        return (
            super()
            .get_queryset()
            .select_related("owner", "partner", "deal", "currency", "qualified_by", "converted_by")
        )

    def get_context(self) -> dict[str, Any]:
        lead: Lead = self.object  # type: ignore[assignment]
        may_change = self.can("change") and lead.state in OPEN
        return {
            **super().get_context(),
            "edit_url": reverse("crm:lead_edit", args=[lead.pk]) if may_change else None,
            "may_close": may_change,
            "convert_url": reverse("crm:lead_convert", args=[lead.pk]) if may_change else None,
            "disqualify_url": reverse("crm:lead_disqualify", args=[lead.pk]),
        }


class LeadCreateView(ObjectCreateView):
    model = Lead
    form_class = LeadForm
    title = gettext_lazy("New lead")
    service = services.create_lead
    list_url_name = "crm:lead_list"


class LeadEditView(ObjectEditView):
    model = Lead
    form_class = LeadForm
    service = services.update_lead


class LeadConvertView(ModelView):
    """The lead's probable customers (the platform's duplicate detection) to pick one from, or a
    new customer; a deal in the chosen pipeline; then the lead is converted."""

    model = Lead
    action = "change"
    template_name = "crm/lead_convert.html"

    def lead(self) -> Lead:
        return get_object_or_404(self.get_queryset().select_related("company", "owner"), pk=self.kwargs["pk"])  # type: ignore[no-any-return]

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        lead = self.lead()
        initial = {"open_deal": True, "title": lead.title, "amount": lead.budget}
        return self.show(lead, ConvertForm(initial=initial, request=request))

    def show(self, lead: Lead, form: ConvertForm, error: str = "", status: int = 200) -> HttpResponseBase:
        candidates = services.lead_duplicates(lead, self.request.user)  # type: ignore[arg-type]
        context = {
            **self.base_context(),
            "title": _("Convert %(lead)s") % {"lead": lead},
            "lead": lead,
            "form": form,
            "candidates": [
                {"partner": m.partner, "reasons": ", ".join(str(r) for r in duplicate_reasons(m.reasons))}
                for m in candidates
            ],
            "chosen": form.data.get("customer", str(candidates[0].partner.pk) if candidates else "new"),
            "error": error,
            "cancel_url": lead.get_absolute_url(),
        }
        return render(self.request, self.template_name, context, status=status)

    def post(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        lead = self.lead()
        form = ConvertForm(request.POST, request=request)
        if not form.is_valid():
            return self.show(lead, form, _("Please correct the errors below."), status=400)
        data = form.cleaned_data
        candidates = services.lead_duplicates(lead, request.user)  # type: ignore[arg-type]
        choice = data["customer"] or "new"
        partner: Partner | None = data["existing"]
        if partner is None and choice != "new":
            partner = next((m.partner for m in candidates if str(m.partner.pk) == choice), None)
            if partner is None:
                return self.show(
                    lead, form, _("Choose one of the customers shown, or a new one."), status=400
                )
        try:
            services.convert_lead(
                lead, request.user,  # type: ignore[arg-type]
                partner=partner,
                allow_duplicate=bool(candidates),  # the person saw the candidates and chose a new one
                open_deal=bool(data["open_deal"]),
                pipeline=data["pipeline"], stage=data["stage"], title=data["title"], amount=data["amount"],
            )  # fmt: skip
        except DuplicateFound as exc:
            return self.show(lead, form, exc.message, status=400)
        except BusinessError as exc:
            return self.show(lead, form, exc.message, status=400)
        lead.refresh_from_db()
        messages.success(request, _("Converted: %(lead)s.") % {"lead": lead})
        target = lead.deal.get_absolute_url() if lead.deal is not None else lead.get_absolute_url()
        return redirect(target)


# --- the website's form ---------------------------------------------------------------------


@csrf_exempt  # posted from the company's own website, another origin: the key is the credential
@require_POST
def capture(request: HttpRequest, key: str) -> HttpResponse:
    """A plain HTML form on a company's website posts here (``/crm/capture/<key>/``); the JSON
    twin is ``/api/v1/crm/lead-capture/``. Nothing is written unless everything holds."""
    status, errors = 201, {}
    try:
        if not capture_service.count_post(capture_service.client_address(request)):
            raise capture_service.TooManyRequests(capture_service.too_many())
        fields = {name: request.POST.get(name, "") for name in request.POST if name != "csrfmiddlewaretoken"}
        capture_service.capture_lead(key, fields)
    except ValidationFailed as exc:
        status, errors = exc.status, exc.errors
    except BusinessError as exc:
        status, errors = exc.status, {"": [exc.message]}
    context = {"received": status == 201, "errors": errors}
    return render(request, "crm/capture_answer.html", context, status=status)


class CaptureSettingsView(ModelView):
    """Settings → Website form: the company's key, where its website posts, a form to copy;
    “Replace the key” when it leaked (the old one stops at once)."""

    model = LeadCaptureKey
    action = "change"
    template_name = "crm/capture_settings.html"

    def get(self, request: HttpRequest) -> HttpResponseBase:
        company = getattr(request, "company", None)
        if company is None:
            messages.error(request, _("Choose a company to work in first."))
            return redirect("home")
        key = capture_service.capture_key(company, request.user)  # type: ignore[arg-type]
        context = {
            **self.base_context(),
            "title": _("Website form"),
            "key": key.key,
            "form_url": request.build_absolute_uri(reverse("crm:lead_capture", args=[key.key])),
            "api_url": request.build_absolute_uri("/api/v1/crm/lead-capture/"),
            "fields": capture_service.FIELDS,
            "honeypot": capture_service.HONEYPOT,
        }
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest) -> HttpResponseBase:
        company = getattr(request, "company", None)
        if company is not None:
            capture_service.replace_capture_key(company, request.user)  # type: ignore[arg-type]
            messages.success(request, _("A new key is in use; update your website's form."))
        return redirect("crm:capture_settings")
