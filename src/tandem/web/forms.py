"""Form helpers shared by every page: Bootstrap styling and shape-only model forms."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, TypeVar, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.functional import Promise, cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from tandem.core.errors import BusinessError, ValidationFailed

_CHOICE_LISTS = (forms.CheckboxSelectMultiple, forms.RadioSelect)
MAX_ROWS = 500  # rows a lines editor reads at most: a longer document is imported, not typed
T = TypeVar("T")


def style_fields(form: forms.BaseForm, *, small: bool = False) -> None:
    """Give every widget its Bootstrap class (``form-control``, ``form-select``, ``form-check-input``)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, _CHOICE_LISTS):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select form-select-sm" if small else "form-select"
        else:
            css = "form-control form-control-sm" if small else "form-control"
        existing = widget.attrs.get("class", "")
        widget.attrs["class"] = f"{existing} {css}".strip()


class ServiceModelForm(forms.ModelForm):  # type: ignore[type-arg]
    """A model form that checks shape only and is never saved.

    Business rules (identifiers, duplicates, same-company choices, uniqueness) are the
    service's: the view hands ``service_data()`` to a service function and puts any
    :class:`BusinessError` back on the form with :func:`add_business_error`.
    """

    fieldsets: ClassVar[list[tuple[str | Promise, list[str]]]] = []
    manual_fields: ClassVar[set[str]] = set()  # rendered by the page itself, not in the sections

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)
        self.limit_choices()
        style_fields(self)

    def limit_choices(self) -> None:
        """Narrow related-record choices to what the user may pick (override per form)."""

    def choice_field(self, name: str) -> forms.ModelChoiceField:  # type: ignore[type-arg]
        """A related-record field, typed as such (to set its ``queryset``)."""
        return cast(forms.ModelChoiceField, self.fields[name])  # type: ignore[type-arg]

    def _post_clean(self) -> None:
        """No model validation or uniqueness checks here: the service decides."""

    def save(self, commit: bool = True) -> Any:
        raise NotImplementedError("Forms only validate; a service writes.")

    def service_data(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name] for name in self._meta.fields or () if name in self.cleaned_data
        }

    def sections(self) -> Iterator[tuple[str, list[forms.BoundField]]]:
        """Visible fields grouped by ``fieldsets`` (one untitled group when none is declared)."""
        visible = {
            field.name: field for field in self.visible_fields() if field.name not in self.manual_fields
        }
        if not self.fieldsets:
            yield "", list(visible.values())
            return
        placed: set[str] = set()
        for title, names in self.fieldsets:
            fields = [visible[name] for name in names if name in visible]
            placed.update(names)
            if fields:
                yield str(title), fields
        rest = [field for name, field in visible.items() if name not in placed]
        if rest:
            yield "", rest


def form_rows(
    form_class: type[forms.Form],
    data: Any,
    *,
    prefix: str,
    initial: list[dict[str, Any]],
    user: Any,
    extra: int = 3,
    max_rows: int = MAX_ROWS,
) -> Any:
    """The rows of a lines editor below a form: a formset of ``form_class(user=…)``, the rows
    there are (``initial``) and ``extra`` empty ones; rendered by ``web/_form_rows.html``. The
    header form checks them in its ``is_valid`` and hands them to its service in ``service_data``
    (through ``filled``). More than ``max_rows`` rows are refused with a message, and a post
    claiming more is not even read."""
    factory = forms.formset_factory(
        form_class,
        formset=_Rows,
        extra=extra,
        max_num=max_rows,
        absolute_max=max_rows,
        validate_max=True,
    )
    return factory(data, prefix=prefix, initial=initial, form_kwargs={"user": user})


class _Rows(forms.BaseFormSet):  # type: ignore[type-arg]
    """Rows as the browser posts them: the editor adds rows ("Add a line") and removes them
    (renumbering those after), so a posted row's index no longer names the row drawn there.
    A posted row is therefore read against its fields' own initial values, never the initial
    row of its index: a row left as the empty one is drawn is empty (left out) wherever it
    stands, and any other row is checked. The service writes the document's lines from the rows
    posted; the one row that carries a record id (a draft invoice's line) is checked by its
    service to be a line of that invoice, named once."""

    default_error_messages = {
        "missing_management_form": gettext_lazy(
            "The rows sent are not complete: reload the page and try again."
        ),
        "too_many_forms": ngettext_lazy(
            "At most %(num)d row can be saved.", "At most %(num)d rows can be saved.", "num"
        ),
    }

    def total_form_count(self) -> int:
        """A post claiming more rows than may be saved is refused (``too_many_forms``) having
        built only the rows it carries: ``TOTAL_FORMS`` is the client's word, and one claiming
        100,000 rows while sending two would otherwise cost ``max_rows`` empty forms built,
        checked and drawn — seconds of CPU for one request."""
        count = int(super().total_form_count())
        if self.is_bound and self._rows_claimed > self.absolute_max:
            return min(count, self._rows_posted)
        return count

    @cached_property
    def _rows_claimed(self) -> int:
        return int(self.management_form.cleaned_data.get("TOTAL_FORMS") or 0)

    @cached_property
    def _rows_posted(self) -> int:
        row_field = re.compile(rf"{re.escape(str(self.prefix))}-(\d+)-")
        indexes = (row_field.match(key) for key in (*self.data, *self.files))
        return max((int(found[1]) + 1 for found in indexes if found), default=0)

    def _construct_form(self, i: int, **kwargs: Any) -> Any:
        if self.is_bound:
            kwargs.setdefault("initial", {})
            kwargs.setdefault("empty_permitted", i >= self.min_num)
        return super()._construct_form(i, **kwargs)  # type: ignore[misc]  # Django's, not in the stubs

    def clean(self) -> None:
        super().clean()
        if self.is_bound and (self.management_form.cleaned_data.get("TOTAL_FORMS") or 0) < 0:
            raise forms.ValidationError(self.default_error_messages["missing_management_form"])

    def filled(self, read: Callable[[Any], T | None]) -> list[T]:
        """What the service is handed: ``read(row)`` of each row in order, the empty ones (None)
        left out. Which row gave each item is kept, so that the service's refusal of its n-th
        item (``<prefix>.<n>``) lands on that row (``add_business_error``)."""
        self._sources: list[tuple[int, forms.BaseForm]] = []
        items = []
        for position, row in enumerate(self.forms, start=1):
            item = read(row)
            if item is not None:
                items.append(item)
                self._sources.append((position, row))
        return items

    def add_item_error(self, n: str, message: str) -> int | None:
        """Put the service's message on the row its ``n``-th item came from; that row's position
        (1, 2, …) as the page shows it, or None when no row gave such an item."""
        sources = getattr(self, "_sources", [])
        if not n.isdigit() or int(n) >= len(sources):
            return None
        position, row = sources[int(n)]
        row.add_error(None, message)
        return position


class SectionsMixin:
    """``sections()`` for plain forms (all visible fields in one group)."""

    def sections(self) -> Iterator[tuple[str, list[forms.BoundField]]]:
        yield "", list(self.visible_fields())  # type: ignore[attr-defined]


def add_business_error(
    form: forms.BaseForm, exc: BusinessError, field_map: dict[str, str] | None = None
) -> None:
    """Show a service's refusal on the form: on the field it names, on the row of a lines
    editor it names (``lines.2``: the third item the rows gave), else above the form."""
    field_map = field_map or {}
    if isinstance(exc, ValidationFailed):
        rows = {value.prefix: value for value in vars(form).values() if isinstance(value, _Rows)}
        for name, messages in exc.errors.items():
            prefix, _dot, n = name.partition(".")
            for message in messages:
                position = rows[prefix].add_item_error(n, str(message)) if prefix in rows else None
                if position is None:
                    _add(form, field_map.get(name, name), str(message))
                else:
                    _add(form, None, _("Line %(n)s: %(error)s") % {"n": position, "error": message})
        if not exc.errors:
            _add(form, None, exc.message)
        return
    _add(form, field_map.get(exc.field or "", exc.field), exc.message)


def _add(form: forms.BaseForm, name: str | None, message: str) -> None:
    target = name if name and name in form.fields else None
    if target is None and message in form.errors.get(NON_FIELD_ERRORS, []):
        return
    form.add_error(target, message)
