"""Signing in: partner guests land on the projects shared with them, staff on their overview."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from backend.accounts.backends import ACCESS_ENDED_ATTRIBUTE
from backend.accounts.selectors import user_access


class SignInForm(AuthenticationForm):
    def get_invalid_login_error(self) -> ValidationError:
        # Only after the right password (backend.accounts.backends): a guest whose projects were all revoked.
        if getattr(self.request, ACCESS_ENDED_ATTRIBUTE, False):
            return ValidationError(
                _(
                    "Your organisation no longer has access to any project, so your guest account cannot sign in. "
                    "If you still need access, ask the municipality that invited you."
                ),
                code="access_ended",
            )
        return super().get_invalid_login_error()


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True
    authentication_form = SignInForm

    def get_default_redirect_url(self) -> str:
        if user_access(user=self.request.user).is_partner_only:
            return reverse("web:project_list")
        return super().get_default_redirect_url()
