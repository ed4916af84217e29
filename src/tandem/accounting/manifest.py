"""What the books add to the shell: menu, API, pages, demo part."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tandem.core import registry

VIEW_ACCOUNTS = "accounting.view_account"

registry.register(
    registry.Manifest(
        app="accounting",
        menu=[registry.MenuEntry(_("Chart of accounts"), "accounting:account_list", VIEW_ACCOUNTS, order=40)],
        urls=[registry.UrlMount("accounting/", "tandem.accounting.urls")],
    )
)
