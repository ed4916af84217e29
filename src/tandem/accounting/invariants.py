"""The books' invariants, run after every story and property test (core.invariants)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tandem.accounting.queries import ledger
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
