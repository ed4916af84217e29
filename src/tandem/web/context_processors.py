from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language_info

from tandem.core import registry
from tandem.core.models import Company
from tandem.core.notifications.services import unread_count
from tandem.web.navigation import menu


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the base layout needs: the active company, menu, languages, companies to switch to."""
    context: dict[str, Any] = {"active_company": getattr(request, "company", None)}
    user = getattr(request, "user", None)
    context["languages"] = [
        (code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES
    ]
    if user is not None and user.is_authenticated:
        context["menu"] = SimpleLazyObject(lambda: menu(request))
        context["account_menu"] = SimpleLazyObject(lambda: menu(request, registry.ACCOUNT))
        context["settings_menu"] = SimpleLazyObject(lambda: menu(request, registry.SETTINGS))
        context["switchable_companies"] = SimpleLazyObject(lambda: _companies(user))
        # A callable: the template calls it (one COUNT query) only where the bell is shown.
        context["unread_notifications"] = lambda: unread_count(user)
    return context


def _companies(user: Any) -> list[Company]:
    rows = Company.objects.all() if user.is_superuser else user.companies.all()
    companies = list(rows.only("id", "name", "code").order_by("name"))
    return companies if len(companies) > 1 else []
