from django.urls import path

from tandem.core.notifications import views
from tandem.web.actions import action_urls

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("bell/", views.bell, name="bell"),
    path("<int:pk>/read/", views.read, name="read"),
    path("read-all/", views.read_all, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("emails/", views.OutgoingEmailListView.as_view(), name="emails"),
    path("emails/<int:pk>/", views.OutgoingEmailDetailView.as_view(), name="email"),
    *action_urls(views.OutgoingEmailActions, "emails/<int:pk>/", "email_"),
]
