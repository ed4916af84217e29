"""The web UI: sign-in, language and company switches, the dashboard, and each domain's pages."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from tandem.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Own template names: django.contrib.admin ships registration/password_change_*.html first.
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(template_name="registration/password_change.html"),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_changed.html"),
        name="password_change_done",
    ),
    path("i18n/setlang/", views.set_language_view, name="set_language"),
    path("company/", views.switch_company_view, name="switch_company"),
    path("autocomplete/<str:name>/", views.autocomplete_view, name="autocomplete"),
    path("jobs/", include("tandem.core.jobs.urls")),
    path("notifications/", include("tandem.core.notifications.urls")),
    path("attachments/", include("tandem.core.attachments.urls")),
    path("documents/", include("tandem.core.documents.urls")),
    path("documents/", include("tandem.integrations.letters.urls")),
    path("imports/", include("tandem.integrations.imports.urls")),
    path("webhooks/", include("tandem.integrations.webhooks.urls")),
    path("settings/", include("tandem.administration.urls")),
    path("", include("tandem.operations.urls")),
    path("partners/", include("tandem.partners.urls")),
    path("products/", include("tandem.catalog.urls")),
]
