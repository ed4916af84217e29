"""Forms of the import wizard: shape only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.core.importing import ImportSpec
from tandem.integrations.imports import parsing, reading
from tandem.integrations.imports.models import ImportMapping, ImportRun
from tandem.web.forms import style_fields

DATE_ORDER_CHOICES = [
    (parsing.AUTO, _("Automatic (refuse dates that could be read both ways)")),
    (parsing.DMY, _("Day first: 31.12.2026, 31/12/2026")),
    (parsing.MDY, _("Month first: 12/31/2026")),
]
DECIMAL_CHOICES = [
    (parsing.AUTO, _("Automatic (refuse numbers that could be read both ways)")),
    (",", _("Comma: 1 234,50 or 1.234,50")),
    (".", _("Point: 1,234.50")),
]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel (XLSX) file"),
        allow_empty_file=True,  # the import's own check says why an empty file cannot be used
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx,text/csv"}),
    )
    template = forms.ModelChoiceField(
        ImportMapping.objects.none(),
        required=False,
        label=_("Saved column mapping"),
        empty_label=_("Guess from the header"),
    )

    def __init__(self, *args: Any, templates: list[ImportMapping] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["template"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = ImportMapping.objects.filter(pk__in=[t.pk for t in templates or []])
        if not templates:
            del self.fields["template"]
        style_fields(self)


class SourceForm(forms.Form):
    encoding = forms.ChoiceField(label=_("Text encoding"), choices=reading.ENCODINGS)
    delimiter = forms.ChoiceField(label=_("Columns separated by"), choices=reading.DELIMITERS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_fields(self)


class MappingForm(forms.Form):
    match_key = forms.ChoiceField(label=_("Find existing records by"))
    date_order = forms.ChoiceField(label=_("Dates"), choices=DATE_ORDER_CHOICES)
    decimal_separator = forms.ChoiceField(label=_("Decimal separator"), choices=DECIMAL_CHOICES)
    save_as = forms.CharField(
        label=_("Save this mapping as"), required=False, max_length=100,
        help_text=_("Give it a name to use it again for the next file of this kind."),
    )  # fmt: skip

    def __init__(self, *args: Any, run: ImportRun, spec: ImportSpec, **kwargs: Any) -> None:
        options = run.options
        kwargs.setdefault(
            "initial",
            {name: options.get(name) for name in ("match_key", "date_order", "decimal_separator")},
        )
        super().__init__(*args, **kwargs)
        self.run = run
        match_field = self.fields["match_key"]
        assert isinstance(match_field, forms.ChoiceField)
        match_field.choices = [(key.name, key.label) for key in spec.match_keys]
        choices = [("", _("— do not import —")), *((f.name, f.label) for f in spec.fields)]
        for index, header in enumerate(run.headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header, choices=choices, required=False, initial=run.mapping.get(str(index), "")
            )
        style_fields(self)

    def columns(self) -> dict[int, str]:
        return {
            index: self.cleaned_data.get(f"column_{index}", "")
            for index in range(len(self.run.headers))
            if self.cleaned_data.get(f"column_{index}")
        }

    def options(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in ("match_key", "date_order", "decimal_separator")}


class CommitForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("How to import"), choices=ImportRun.Mode.choices, widget=forms.RadioSelect,
        initial=ImportRun.Mode.ALL_OR_NOTHING,
    )  # fmt: skip
    skip_duplicates = forms.BooleanField(
        label=_("Skip the rows marked as possible duplicates"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_fields(self)
