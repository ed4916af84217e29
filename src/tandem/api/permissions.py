from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import permissions
from rest_framework.request import Request


class ModelPermissions(permissions.DjangoModelPermissions):
    """Django model permissions, including ``view_*`` for reads; record rules come from ``visible_to``.

    A business action declares what it needs with ``@action(..., required_perms=[...])``
    (a merge needs ``change_partner``, not ``add_partner`` as a plain POST would), or per
    method: ``required_perms={"GET": [...], "POST": [...]}``. A view may remap a method for
    its own model with ``perms_map_overrides`` (DELETE that archives needs ``change_*``).
    """

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def get_required_permissions(self, method: str, model_cls: Any) -> list[str]:
        overrides = getattr(self, "_overrides", {})
        if method in overrides:
            kwargs = {"app_label": model_cls._meta.app_label, "model_name": model_cls._meta.model_name}
            return [perm % kwargs for perm in overrides[method]]
        return list(super().get_required_permissions(method, model_cls))

    def has_permission(self, request: Request, view: Any) -> bool:
        self._overrides = getattr(view, "perms_map_overrides", {})
        required = getattr(view, "required_perms", None)
        if isinstance(required, Mapping):
            required = required.get(request.method or "")
        if required is None:
            return super().has_permission(request, view)
        user = request.user
        return bool(user and user.is_authenticated and user.has_perms(required))
