from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tandem.core.notifications import services
from tandem.core.notifications.models import Notification, OutgoingEmail


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "state", "attempts", "created_at", "sent_at"]
    list_filter = ["state", "company"]
    search_fields = ["subject", "message_id"]
    readonly_fields = [field.name for field in OutgoingEmail._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Send the failed e-mails again"))
    def resend(self, request: HttpRequest, queryset: QuerySet[OutgoingEmail]) -> None:
        failed = list(queryset.filter(state=OutgoingEmail.State.FAILED))
        for email in failed:
            services.resend(email, request.user)  # type: ignore[arg-type]
        count = len(failed)
        self.message_user(
            request,
            ngettext("%d e-mail queued again.", "%d e-mails queued again.", count) % count,
            messages.SUCCESS,
        )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
