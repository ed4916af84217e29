app_name = "ops"

urlpatterns: list[object] = []
