"""Signing in: partner guests land on the projects shared with them, staff on their overview."""

from django.contrib.auth import views as auth_views
from django.urls import reverse

from backend.accounts.selectors import user_access


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        if user_access(user=self.request.user).is_partner_only:
            return reverse("web:project_list")
        return super().get_default_redirect_url()
