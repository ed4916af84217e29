"""The quantity ledger's invariants, run after every story and property test (core.invariants)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tandem.core.invariants import register_invariant
from tandem.inventory.queries import quant_differences, reservation_differences
from tandem.inventory.queries.valuation import (
    month_differences,
    stock_month_differences,
    valuation_differences,
)


def quants_equal_done_moves() -> list[str]:
    return [
        _(
            "quant of product %(product)s at location %(location)s, lot %(lot)s holds %(held)s; "
            "its done moves sum to %(moved)s"
        )
        % {"product": key[0], "location": key[1], "lot": key[2], "held": held, "moved": moved}
        for key, held, moved in quant_differences()
    ]


def nothing_reserved_beyond_stock() -> list[str]:
    return [
        _("quant %(quant)s has %(reserved)s reserved; its reservations hold %(promised)s (or it holds less)")
        % {"quant": pk, "reserved": reserved, "promised": promised}
        for pk, reserved, promised in reservation_differences()
    ]


register_invariant("inventory: quants equal the sum of done moves", quants_equal_done_moves)
register_invariant("inventory: nothing is reserved beyond what is on hand", nothing_reserved_beyond_stock)


def stock_value_equals_stock_accounts() -> list[str]:
    return [
        _("company %(company)s: its stock is valued at %(value)s; its stock accounts' balance is %(balance)s")
        % {"company": company, "value": value, "balance": balance}
        for company, value, balance in valuation_differences()
    ]


register_invariant(
    "inventory: the value of stock equals the balance of the stock accounts",
    stock_value_equals_stock_accounts,
)


def monthly_sums_equal_layers() -> list[str]:
    return [
        _("product %(product)s, %(month)s: the monthly sum holds %(kept)s; its layers add up to %(summed)s")
        % {
            "product": product,
            "month": month.strftime("%Y-%m"),
            "kept": "{} / {}".format(*kept),
            "summed": "{} / {}".format(*summed),
        }
        for product, month, kept, summed in month_differences()
    ]


register_invariant("inventory: each month's valuation sum equals its layers", monthly_sums_equal_layers)


def stock_months_equal_move_lines() -> list[str]:
    return [
        _(
            "location %(location)s, product %(product)s, %(month)s: the monthly stock holds %(kept)s; "
            "its move lines add up to %(moved)s"
        )
        % {
            "location": location,
            "product": product,
            "month": month.strftime("%Y-%m"),
            "kept": kept,
            "moved": moved,
        }
        for location, product, month, kept, moved in stock_month_differences()
    ]


register_invariant(
    "inventory: each month's stock per location equals its move lines", stock_months_equal_move_lines
)
