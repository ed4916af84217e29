"""Invoices and payments take their created/posted/cancelled stamps from one abstract base."""

from __future__ import annotations

from tandem.accounting.models import Invoice, Payment
from tandem.core.bases import PostedDocument

STAMPS = ["created_by", "created_at", "updated_at", "posted_by", "posted_at", "cancelled_by", "cancelled_at"]


def test_documents_that_post_share_the_stamp_fields_of_one_base() -> None:
    for model in (Invoice, Payment):
        assert issubclass(model, PostedDocument)
        for name in STAMPS:
            field = model._meta.get_field(name)
            assert field.model is model and name in {f.name for f in PostedDocument._meta.fields}
        for transition in model.TRANSITIONS.values():  # type: ignore[attr-defined]
            assert {transition.by, transition.at} <= set(STAMPS)
