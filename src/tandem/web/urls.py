"""The web UI: sign-in, language and company switches, the dashboard, and each app's pages
(declared by the app's ``manifest.py``)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from tandem.core import registry
from tandem.web import search, views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", search.global_search, name="search"),
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
    # Every app's pages, mounted where its manifest.py says.
    *[path(mount.prefix, include(mount.urlconf)) for mount in registry.url_mounts()],
]
