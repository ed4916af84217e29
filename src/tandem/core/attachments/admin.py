from django.contrib import admin
from django.http import HttpRequest

from tandem.core.attachments.models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["name", "content_type", "object_id", "size", "mime_type", "uploaded_by", "created_at"]
    list_filter = ["company", "content_type", "mime_type"]
    search_fields = ["name", "sha256"]
    readonly_fields = [field.name for field in Attachment._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
