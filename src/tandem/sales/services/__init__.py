"""Every write of sales: quotations and orders, sending, confirming (credit limit, discount
limit, reservation and delivery through inventory, shortages to planning), cancelling and
invoicing through accounting.

A quotation is an order in draft or sent. ``confirm_order`` checks the customer's credit limit
(its open balance in accounting plus this order) and the company's discount limit: above either,
only a sales manager (``sales.approve_salesorder``) confirms, and the order records who approved.
Confirming creates the delivery of the stocked lines, reserves it (FIFO, under row locks in
inventory: parallel confirmations never promise the same goods twice) and sends what is
missing to ``planning.services.replenish``. What was delivered, invoiced and paid is read from
inventory's moves and accounting's invoices (``sales.queries``), never kept here.

One module per subject: ``settings`` (sales settings, credit limits, invoice policies),
``orders`` (quotations and their lines), ``pdf``, ``sending``, ``confirmation`` (confirming,
cancelling), ``invoicing`` (and the handlers of deliveries and posted invoices), ``returns``
(customer returns and their credit notes), ``down_payments`` (down-payment invoices and
their deduction from later ones), ``acceptance`` (the customer's link) and ``mail`` (the
customer's e-mails). Callers use this package: ``from tandem.sales import services``.
"""

from tandem.core.errors import BusinessError, ValidationFailed
from tandem.sales.services.acceptance import (
    ANSWERED_KIND,
    DATA_URL,
    LINK_SALT,
    NAME_MAX,
    PNG_MAGIC,
    REASON_MAX,
    SIGNATURE_MAX_BYTES,
    SIGNATURE_MAX_PIXELS,
    LinkAnswered,
    LinkClosed,
    LinkInvalid,
    accept_quotation,
    decline_quotation,
    link_token,
    link_url,
    read_link,
    revoke_links,
    signature_png,
)
from tandem.sales.services.common import (
    EDITABLE,
    HUNDRED,
    ORDER_HEADER,
    PRICE_QUANTUM,
    SEQUENCE,
    ZERO,
    ApprovalNeeded,
    OrderNotEditable,
)
from tandem.sales.services.confirmation import (
    approval_reasons,
    cancel_order,
    confirm_order,
    discount_limit_of,
    promised_date,
)
from tandem.sales.services.down_payments import (
    Left,
    advances_account,
    credit_down_payments_left,
    down_payments_invoiced,
    down_payments_left,
    down_payments_to_give_back,
    invoice_down_payment,
    settle_advances_exchange,
)
from tandem.sales.services.invoicing import delivered, invoice_order, invoice_orders, invoice_posted
from tandem.sales.services.mail import set_mail_preference
from tandem.sales.services.orders import (
    OrderLineData,
    create_from_deal,
    create_order,
    delete_draft,
    update_order,
)
from tandem.sales.services.pdf import document_title, order_pdf, pdf_name
from tandem.sales.services.returns import CustomerReturn, credit_returned, has_goods_to_credit, return_goods
from tandem.sales.services.sending import send_order
from tandem.sales.services.settings import set_credit_limit, set_invoice_policy, update_settings

__all__ = [
    "ANSWERED_KIND",
    "DATA_URL",
    "EDITABLE",
    "HUNDRED",
    "LINK_SALT",
    "NAME_MAX",
    "ORDER_HEADER",
    "PNG_MAGIC",
    "PRICE_QUANTUM",
    "REASON_MAX",
    "SEQUENCE",
    "SIGNATURE_MAX_BYTES",
    "SIGNATURE_MAX_PIXELS",
    "ZERO",
    "ApprovalNeeded",
    "BusinessError",
    "CustomerReturn",
    "Left",
    "LinkAnswered",
    "LinkClosed",
    "LinkInvalid",
    "OrderLineData",
    "OrderNotEditable",
    "ValidationFailed",
    "accept_quotation",
    "advances_account",
    "approval_reasons",
    "cancel_order",
    "confirm_order",
    "create_from_deal",
    "create_order",
    "credit_down_payments_left",
    "credit_returned",
    "decline_quotation",
    "delete_draft",
    "delivered",
    "discount_limit_of",
    "document_title",
    "down_payments_invoiced",
    "down_payments_left",
    "down_payments_to_give_back",
    "has_goods_to_credit",
    "invoice_down_payment",
    "invoice_order",
    "invoice_orders",
    "invoice_posted",
    "link_token",
    "link_url",
    "order_pdf",
    "pdf_name",
    "promised_date",
    "read_link",
    "return_goods",
    "revoke_links",
    "send_order",
    "set_credit_limit",
    "set_invoice_policy",
    "set_mail_preference",
    "settle_advances_exchange",
    "signature_png",
    "update_order",
    "update_settings",
]
