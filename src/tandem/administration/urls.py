"""``/settings/``: the administrators' settings area, and every person's own account page."""

from django.urls import path

from tandem.administration import views
from tandem.web.actions import action_urls

app_name = "administration"

urlpatterns = [
    path("", views.SettingsHomeView.as_view(), name="home"),
    path("users/", views.UserListView.as_view(), name="users"),
    path("users/invite/", views.UserInviteView.as_view(), name="user_invite"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/edit/", views.UserEditView.as_view(), name="user_edit"),
    *action_urls(views.UserActions, "users/<int:pk>/", "user_"),
    path("users/<int:pk>/tokens/", views.TokenCreateView.as_view(), name="token_create"),
    *action_urls(views.TokenActions, "tokens/<int:pk>/", "token_"),
    path("roles/", views.RoleListView.as_view(), name="roles"),
    path("roles/new/", views.RoleCreateView.as_view(), name="role_create"),
    path("roles/<int:pk>/", views.RoleDetailView.as_view(), name="role_detail"),
    *action_urls(views.RoleActions, "roles/<int:pk>/", "role_"),
    path("companies/", views.CompanyListView.as_view(), name="companies"),
    path("companies/new/", views.CompanyCreateView.as_view(), name="company_create"),
    path("companies/<int:pk>/", views.CompanyDetailView.as_view(), name="company_detail"),
    path("companies/<int:pk>/edit/", views.CompanyEditView.as_view(), name="company_edit"),
    path("companies/<int:pk>/logo/", views.CompanyLogoView.as_view(), name="company_logo"),
    path("security/", views.SecurityView.as_view(), name="security"),
    *action_urls(views.UnlockActions, "security/<int:pk>/"),
    # Every signed-in person: their own account, two-factor sign-in and API tokens.
    path("account/", views.AccountView.as_view(), name="account"),
    path("account/tokens/", views.AccountTokenView.as_view(), name="account_token_create"),
    *action_urls(views.AccountTokenActions, "account/tokens/<int:pk>/", "account_token_"),
    path("account/two-factor/", views.TwoFactorSetupView.as_view(), name="two_factor_setup"),
    *action_urls(views.TwoFactorActions, "account/two-factor/", "two_factor_"),
    path("two-factor/", views.TwoFactorVerifyView.as_view(), name="two_factor_verify"),
    # The link in invitation and password e-mails (signed out).
    path("password/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
    path("password/done/", views.set_password_done, name="set_password_done"),
]
