from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from tandem.core.models import Company, Currency, Event, ExchangeRate, Uom, UomCategory, User

admin.site.register(User, UserAdmin)
admin.site.register([Company, Currency, ExchangeRate, Uom, UomCategory])


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "name", "subject_repr", "actor"]
    list_filter = ["name"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
