app_name = "attachments"

urlpatterns: list[object] = []
