"""The books' invariants, run after every story and property test (core.invariants)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tandem.accounting.queries import balances, ledger, payments
from tandem.core.invariants import register_invariant


def posted_entries_balance() -> list[str]:
    return [
        _("posted entry %(entry)s is off by %(difference)s") % {"entry": entry, "difference": difference}
        for entry, difference in ledger.unbalanced_posted_entries()
    ]


def trial_balance_sums_to_zero() -> list[str]:
    return [
        _("the trial balance of company %(company)s is off by %(difference)s")
        % {"company": company, "difference": difference}
        for company, difference in ledger.trial_balance_differences().items()
    ]


register_invariant("accounting: every posted entry balances", posted_entries_balance)
register_invariant("accounting: the trial balance sums to zero", trial_balance_sums_to_zero)


def open_items_hold_what_they_owe() -> list[str]:
    found = [
        _("line %(line)s is matched beyond its amount (residual %(residual)s)")
        % {"line": line, "residual": left}
        for line, left in payments.overmatched_lines()
    ]
    return found + [
        _("the receivable of partner %(partner)s differs from its open items by %(difference)s")
        % {"partner": partner, "difference": difference}
        for partner, difference in payments.receivable_differences().items()
    ]


register_invariant(
    "accounting: each receivable equals the residuals of its open items", open_items_hold_what_they_owe
)


def open_items_are_flagged() -> list[str]:
    return [
        _("line %(line)s is flagged %(flag)s as an open item, but its residuals say otherwise")
        % {"line": line, "flag": flag}
        for line, flag in payments.misflagged_open_items()
    ]


register_invariant("accounting: the open-item flag follows the residuals", open_items_are_flagged)


def balances_are_the_posted_lines() -> list[str]:
    return [
        _("%(table)s %(key)s holds debit, credit, lines %(kept)s; its posted lines sum to %(lines)s")
        % {"table": table, "key": key, "kept": kept, "lines": lines}
        for table, key, kept, lines in balances.differences()
    ]


register_invariant("accounting: monthly balances equal their posted lines", balances_are_the_posted_lines)
