"""The signed-in person's profile: name, e-mail and language, a new password, how they hear of events
(notification preferences), and "Download my data"."""

import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backend.accounts.models import User
from backend.accounts.privacy import may_list_former_guests, user_data_export
from backend.accounts.services import user_keeps_invited_email, user_password_change, user_profile_update
from backend.notifications.models import PREFERENCE_KINDS, Channel
from backend.notifications.selectors import notification_preferences_for
from backend.notifications.services import notification_preferences_set
from backend.web.htmx import render_page

TEMPLATE = "pages/profile.html"


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254)
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=settings.LANGUAGES,
        help_text=gettext_lazy("The language of the application, e-mails and notifications."),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        kwargs.setdefault("initial", _profile_initial(user))
        super().__init__(*args, label_suffix="", **kwargs)
        if user_keeps_invited_email(user=user):
            # A disabled field posts nothing: the form keeps the address the guest was invited at.
            self.fields["email"].disabled = True
            self.fields["email"].help_text = gettext_lazy(
                "Partner guests keep the e-mail address their invitation was sent to. Ask the municipality's "
                "Smart City coordinator to change it."
            )


class NotificationPreferencesForm(forms.Form):
    """One choice of channel per kind of event the person can hear of."""

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        labels = dict(PREFERENCE_KINDS)
        for kind, channel in notification_preferences_for(user=user).items():
            self.fields[kind] = forms.ChoiceField(
                label=labels[kind], choices=Channel.choices, initial=channel, widget=forms.RadioSelect
            )

    def rows(self) -> list[dict]:
        """Per kind: its label and, per channel, whether it is chosen (for a table of radio buttons)."""
        rows = []
        for name, field in self.fields.items():
            bound = self[name]
            value = bound.value()
            rows.append(
                {
                    "name": name,
                    "label": field.label,
                    "errors": bound.errors,
                    "choices": [(channel, label, channel == value) for channel, label in Channel.choices],
                }
            )
        return rows


def _profile_initial(user: User) -> dict:
    return {"first_name": user.first_name, "last_name": user.last_name, "email": user.email, "language": user.language}


def _password_form(user: User, data=None) -> PasswordChangeForm:
    form = PasswordChangeForm(user, data)
    form.label_suffix = ""
    # The profile page opens on the personal details; Django's autofocus would scroll it to the password.
    form.fields["old_password"].widget.attrs.pop("autofocus", None)
    return form


def _page(
    request: HttpRequest, *, profile_form=None, password_form=None, preferences_form=None, status: int = 200
) -> HttpResponse:
    context = {
        "nav": "profile",
        "profile_form": profile_form or ProfileForm(user=request.user),
        "password_form": password_form or _password_form(request.user),
        "preferences_form": preferences_form or NotificationPreferencesForm(user=request.user),
        "channels": Channel.choices,
        "manages_former_guests": may_list_former_guests(user=request.user),
    }
    return render_page(request, TEMPLATE, context, status=status)


def _with_language(response: HttpResponse, language: str) -> HttpResponse:
    """The chosen language applies to the pages at once, as the header's language switch does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request)
    form = ProfileForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            user = user_profile_update(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            with translation.override(user.language):
                messages.success(request, _("Your profile was saved."))
            return _with_language(redirect("web:profile"), user.language)
    return _page(request, profile_form=form, status=400)


@login_required
@never_cache
@require_POST
def password_change(request: HttpRequest) -> HttpResponse:
    form = _password_form(request.user, request.POST)
    if form.is_valid():
        ended = user_password_change(user=request.user, password=form.cleaned_data["new_password1"], request=request)
        if ended:
            messages.success(
                request, _("Your password was changed and you were signed out everywhere else, API tokens included.")
            )
        else:
            messages.success(request, _("Your password was changed. Your API tokens, if any, no longer work."))
        return redirect("web:profile")
    return _page(request, password_form=form, status=400)


@login_required
@never_cache
@require_POST
def notification_preferences(request: HttpRequest) -> HttpResponse:
    """Save how the person hears of each kind of event; a refused choice saves nothing."""
    form = NotificationPreferencesForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            notification_preferences_set(user=request.user, channels=form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Your notification preferences were saved."))
            return redirect(reverse("web:profile") + "#notifications-heading")
    return _page(request, preferences_form=form, status=400)


@login_required
@never_cache
@require_GET
def data_export(request: HttpRequest) -> HttpResponse:
    """Everything Rámec keeps about the person, as a JSON file (GDPR, right of access)."""
    return data_export_response(user_data_export(user=request.user))


def data_export_response(data: dict) -> HttpResponse:
    """The export as a JSON download (UTF-8, not escaped: Czech names stay readable)."""
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="ramec-my-data-{stamp}.json"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("profile/", profile, name="profile"),
    path("profile/password/", password_change, name="password_change"),
    path("profile/notifications/", notification_preferences, name="notification_preferences"),
    path("profile/my-data.json", data_export, name="profile_data_export"),
]
