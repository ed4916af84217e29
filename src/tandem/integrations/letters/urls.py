from django.urls import path

from tandem.integrations.letters import views

app_name = "letters"

urlpatterns = [
    path("templates/", views.TemplateListView.as_view(), name="list"),
    path("templates/export/", views.TemplateListView.as_view(export=True), name="export"),
    path("templates/new/", views.TemplateCreateView.as_view(), name="create"),
    path("templates/preview/", views.TemplatePreviewView.as_view(), name="template_preview"),
    path("templates/<int:pk>/", views.TemplateDetailView.as_view(), name="detail"),
    path("templates/<int:pk>/edit/", views.TemplateEditView.as_view(), name="edit"),
    path("generate/", views.GenerateView.as_view(), name="generate"),
]
