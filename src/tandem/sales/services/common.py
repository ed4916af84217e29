"""What every sales service shares: the order states one edits, the header fields, the refusals
and the checks of company and visibility."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tandem.catalog.models import PRICE_PLACES
from tandem.core.errors import BusinessError
from tandem.core.models import Company, User
from tandem.partners.models import Partner
from tandem.sales.models import SalesOrder

ZERO = Decimal(0)
HUNDRED = Decimal(100)
SEQUENCE = "SO"
PRICE_QUANTUM = Decimal(1).scaleb(-PRICE_PLACES)
S = SalesOrder.State
EDITABLE = {S.DRAFT, S.SENT}
ORDER_HEADER = [
    "partner",
    "contact",
    "salesperson",
    "deal",
    "currency",
    "warehouse",
    "order_date",
    "validity_date",
    "promised_date",
    "customer_reference",
    "notes",
]


class OrderNotEditable(BusinessError):
    status = 409
    code = "order-not-editable"


class ApprovalNeeded(BusinessError):
    """Above the credit or discount limit: a sales manager confirms."""

    status = 409
    code = "approval-needed"


def _other_company(obj: Any, company: Company) -> bool:
    return obj is not None and getattr(obj, "company_id", company.pk) != company.pk


def _user(actor: Any) -> User | None:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _may_see(actor: Any, partner: Partner) -> bool:
    if _user(actor) is None:
        return True  # the system (demo, jobs) acts for everyone
    return Partner.objects.visible_to(actor).filter(pk=partner.pk).exists()
