"""``ObjectFormView``: a form for shape, a service for the write, errors back on the form.

* ``ObjectCreateView``: ``service(request.company, request.user, **form.service_data())``.
* ``ObjectEditView``: ``service(obj, request.user, expected_version=…, **form.service_data())``;
  the version the person started from travels in a hidden field, so a concurrent edit is
  refused ("Someone else changed…") instead of overwritten.
* Inline validation: an htmx POST carrying ``validate=<field>`` runs the same form and the
  same service inside a transaction that is rolled back, and returns the form partial; the
  page swaps in that field and the messages above the form. Nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from tandem.core.errors import BusinessError
from tandem.web.forms import add_business_error
from tandem.web.generic.base import ModelView

VERSION_FIELD = "version"


class ObjectFormView(ModelView):
    form_class: type[forms.BaseForm]
    template_name = "web/object_form.html"
    form_template = "web/_form.html"
    errors_template: str | None = None
    error_field_map: dict[str, str] = {}
    validate_param = "validate"
    list_url_name: str | None = None
    object: Model | None = None
    business_error: BusinessError | None = None

    # --- the parts a subclass declares --------------------------------------------------

    def get_object(self) -> Model | None:
        return None

    def perform(self, form: forms.BaseForm) -> Model:
        """Call the service with the form's data and return what it wrote."""
        raise NotImplementedError

    def get_initial(self) -> dict[str, Any]:
        return {}

    def success_url(self, result: Model) -> str:
        return str(result.get_absolute_url())  # type: ignore[attr-defined]

    def success_message(self, result: Model) -> str:
        return _("Saved “%(name)s”.") % {"name": result}

    def cancel_url(self) -> str:
        if self.object is not None and hasattr(self.object, "get_absolute_url"):
            return str(self.object.get_absolute_url())
        return reverse(self.list_url_name) if self.list_url_name else reverse("home")

    # --- request handling ----------------------------------------------------------------

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.object = self.get_object()
        return self.render_form(self.make_form())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.object = self.get_object()
        form = self.make_form(data=request.POST, files=request.FILES)
        validating = self.is_validation()
        if form.is_valid():
            result = self.run(form, dry_run=validating)
            if result is not None and not validating:
                messages.success(request, self.success_message(result))
                return redirect(self.success_url(result))
        return self.render_form(form, partial=validating)

    def is_validation(self) -> bool:
        return bool(getattr(self.request, "htmx", False)) and self.validate_param in self.request.POST

    def run(self, form: forms.BaseForm, *, dry_run: bool) -> Model | None:
        """The service call; on a dry run its writes (and events) are rolled back."""
        try:
            with transaction.atomic():
                result = self.perform(form)
                if dry_run:
                    transaction.set_rollback(True)
        except BusinessError as exc:
            self.business_error = exc
            add_business_error(form, exc, self.error_field_map)
            return None
        return result

    def make_form(self, **kwargs: Any) -> forms.BaseForm:
        kwargs.setdefault("initial", self.get_initial())
        kwargs["request"] = self.request
        if issubclass(self.form_class, forms.BaseModelForm) and isinstance(
            self.object, self.form_class._meta.model
        ):
            kwargs["instance"] = self.object
        form = self.form_class(**kwargs)
        self.add_version_field(form)
        return form

    def add_version_field(self, form: forms.BaseForm) -> None:
        version = getattr(self.object, VERSION_FIELD, None)
        if isinstance(version, int):
            form.fields[VERSION_FIELD] = forms.IntegerField(
                widget=forms.HiddenInput, required=False, initial=version
            )

    def expected_version(self, form: forms.BaseForm) -> int | None:
        value = form.cleaned_data.get(VERSION_FIELD)
        return int(value) if value is not None else None

    def render_form(self, form: forms.BaseForm, *, partial: bool = False) -> HttpResponse:
        context = {
            **self.base_context(),
            **self.form_context(),
            "form": form,
            "object": self.object,
            "form_action": self.request.path,
            "form_template": self.form_template,
            "errors_template": self.errors_template,
            "business_error": self.business_error,
            "cancel_url": self.cancel_url(),
        }
        return render(self.request, self.form_template if partial else self.template_name, context)

    def form_context(self) -> dict[str, Any]:
        return {}


class ObjectCreateView(ObjectFormView):
    """Create through ``service(company, actor, **fields)``."""

    action = "add"
    service: Callable[..., Model]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and getattr(request, "company", None) is None:
            messages.error(request, _("Choose a company to work in first."))
            return redirect("home")
        return super().dispatch(request, *args, **kwargs)

    def base_context(self) -> dict[str, Any]:
        context = super().base_context()
        context["title"] = self.title or _("New %(thing)s") % {"thing": self.model._meta.verbose_name}
        return context

    def perform(self, form: forms.BaseForm) -> Model:
        service = type(self).service
        return service(self.request.company, self.request.user, **self.service_data(form))  # type: ignore[attr-defined]

    def service_data(self, form: forms.BaseForm) -> dict[str, Any]:
        return form.service_data()  # type: ignore[attr-defined,no-any-return]


class ObjectEditView(ObjectFormView):
    """Edit through ``service(obj, actor, expected_version=…, **fields)``."""

    action = "change"
    service: Callable[..., Model]

    def get_object(self) -> Model:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def base_context(self) -> dict[str, Any]:
        context = super().base_context()
        context["title"] = self.title or _("Edit %(name)s") % {"name": self.object}
        return context

    def perform(self, form: forms.BaseForm) -> Model:
        service = type(self).service
        return service(
            self.object,
            self.request.user,
            expected_version=self.expected_version(form),
            **self.service_data(form),
        )

    def service_data(self, form: forms.BaseForm) -> dict[str, Any]:
        return form.service_data()  # type: ignore[attr-defined,no-any-return]
