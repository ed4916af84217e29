"""The events of the settings area: users, roles, companies, API tokens, sign-in security.

None is published to webhooks: they describe people and access, not business records."""

from django.utils.translation import gettext_lazy as _

from tandem.core.events import CHANGES, EventType, declare

TOKEN = {"token": "the token's public prefix", "name": "the token's name"}
DEVICE = {"device": "the kind of second factor (totp)"}

declare(
    EventType(
        "user.invited",
        _("Invited"),
        {"email": "where the invitation went", "roles": "the roles given", "company": "the company's code"},
    ),
    EventType("user.updated", _("Changed"), {"changes": CHANGES}),
    EventType("user.deactivated", _("Deactivated"), {"changes": CHANGES}),
    EventType("user.reactivated", _("Reactivated"), {"changes": CHANGES}),
    EventType("user.password_reset_sent", _("Password link sent"), {"email": "where the link went"}),
    EventType("user.password_set", _("Password set")),
    EventType("user.api_token_issued", _("API token issued"), TOKEN),
    EventType("user.api_token_revoked", _("API token revoked"), TOKEN),
    EventType("user.two_factor_enabled", _("Two-factor sign-in turned on"), DEVICE),
    EventType("user.two_factor_disabled", _("Two-factor sign-in turned off"), DEVICE),
    EventType("user.two_factor_reset", _("Two-factor sign-in reset by an administrator"), DEVICE),
    EventType(
        "role.created",
        _("Created"),
        {
            "name": "the role's name",
            "copied_from": "the role its permissions were copied from, or null",
            "permissions": "how many permissions it holds",
        },
    ),
    EventType(
        "role.permissions_changed",
        _("Permissions changed"),
        {"added": "permissions added", "removed": "permissions removed", "changes": CHANGES},
    ),
    EventType("role.deleted", _("Deleted"), {"name": "the role's name"}),
    EventType("company.updated", _("Changed"), {"changes": CHANGES}),
    EventType(
        "security.unlocked",
        _("Sign-in lock-out lifted"),
        {
            "username": "whose lock-out",
            "ip_address": "from which address",
            "attempts": "failed attempts cleared",
        },
    ),
)
