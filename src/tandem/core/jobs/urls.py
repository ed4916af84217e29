from django.urls import path

from tandem.core.jobs import views
from tandem.web.actions import action_urls

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("schedules/", views.schedule_list, name="schedules"),
    path("check-worker/", views.check_worker, name="check_worker"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/progress/", views.job_progress, name="progress"),
    *action_urls(views.JobActions, "<int:pk>/"),
]
