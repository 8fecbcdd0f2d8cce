"""Admin helpers any app's actions use: actions with an intermediate page, and refusals in one line."""

from typing import Any

from django.contrib import admin
from django.contrib.admin import ActionLocation, helpers
from django.utils.translation import gettext

from backend.core.errors import DomainError, TransitionBlocked

# Actions that ask for input first are offered on the list and on an object's own page.
LIST_AND_FORM = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]
# Marks the second step of an action with an intermediate page: the user confirmed the form.
CONFIRM_FIELD = "confirm"


def refusal_message(subject: Any, error: DomainError) -> str:
    """One line for the admin: what was refused, why, and every blocker in words."""
    reasons = [str(error.message)]
    if isinstance(error, TransitionBlocked):
        reasons.extend(str(blocker.message) for blocker in error.blockers)
    return gettext("%(subject)s: %(reasons)s") % {"subject": subject, "reasons": " ".join(reasons)}


def is_confirmed(request) -> bool:
    return request.method == "POST" and CONFIRM_FIELD in request.POST


def action_page_context(model_admin: admin.ModelAdmin, request, *, objects: list, action_name: str, title: str):
    """Context for an action's intermediate page, so that its form posts back to the same action.

    The action may have been chosen on the list or on one object's change form (Django 6.1 change-form
    actions); each posts the action's name under its own field.
    """
    change_form_field = f"{ActionLocation.CHANGE_FORM.value}-action"
    return {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "subtitle": None,
        "opts": model_admin.opts,
        "objects": objects,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action_field_name": change_form_field if change_form_field in request.POST else "action",
        "action_name": action_name,
        "confirm_field": CONFIRM_FIELD,
        "media": model_admin.media,
    }
