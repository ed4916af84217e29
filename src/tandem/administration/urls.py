app_name = "administration"

urlpatterns: list[object] = []
