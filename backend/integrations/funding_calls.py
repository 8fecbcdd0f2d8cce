"""The catalogue of funding calls (výzvy): kept by the coordinator or imported from a file, pointed at by funding
applications, whose call deadline then follows the call, so that the reminders before it closes (14 and 3 days,
``backend.notifications.reminders``) reach the project's manager and watchers."""

from datetime import date, timedelta
from decimal import InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from backend.accounts.models import Municipality, User
from backend.accounts.selectors import user_access
from backend.core.errors import PermissionDenied
from backend.integrations.models import FundingApplicationCall, FundingCall
from backend.integrations.spreadsheets import Sheet, _date, _decimal
from backend.projects.choices import FundingStatus
from backend.projects.models import FundingApplication
from backend.projects.programmes import programme_choices, programme_require_usable
from backend.projects.services import funding_update

CALL_FIELDS = (
    "programme",
    "number",
    "name",
    "provider",
    "opens",
    "closes",
    "allocation",
    "max_support_rate",
    "max_amount",
    "min_savings",
    "eligible_applicants",
    "url",
)
OPEN_APPLICATIONS = (FundingStatus.PLANNED, FundingStatus.SUBMITTED)


def funding_call_list_visible(*, user: User | None) -> QuerySet[FundingCall]:
    """The shared catalogue and the user's municipalities' own calls; partner guests see none."""
    access = user_access(user=user)
    if access.is_anonymous or access.is_partner_only:
        return FundingCall.objects.none()
    if access.is_platform_admin:
        return FundingCall.objects.all()
    return FundingCall.objects.filter(Q(municipality__isnull=True) | Q(municipality_id__in=access.municipality_ids))


def funding_calls_closing_soon(*, user: User | None, today: date, days: int = 30) -> QuerySet[FundingCall]:
    return funding_call_list_visible(user=user).filter(closes__range=(today, today + timedelta(days=days)))


def _require_coordinator(actor: User, municipality: Municipality) -> None:
    if not user_access(user=actor).is_coordinator_in(municipality.pk):
        raise PermissionDenied(_("Only the municipality's Smart City coordinator keeps its catalogue of calls."))


@transaction.atomic
def funding_call_create(*, actor: User, municipality: Municipality, **fields: Any) -> FundingCall:
    _require_coordinator(actor, municipality)
    call = FundingCall(municipality=municipality, **{name: fields[name] for name in CALL_FIELDS if name in fields})
    programme_require_usable(code=call.programme, municipality_id=municipality.pk)
    call.full_clean()
    call.save()
    return call


@transaction.atomic
def funding_call_update(*, actor: User, call: FundingCall, **fields: Any) -> FundingCall:
    """Change a municipality's own call; open applications pointing at it take its new closing date."""
    if call.municipality is None:
        raise PermissionDenied(_("The shared catalogue is kept by the operator of the installation."))
    _require_coordinator(actor, call.municipality)
    previous = call.programme
    for name in CALL_FIELDS:
        if name in fields:
            setattr(call, name, fields[name])
    programme_require_usable(code=call.programme, municipality_id=call.municipality_id, previous=previous)
    call.full_clean()
    call.save()
    FundingApplication.objects.filter(call_link__call=call, status__in=OPEN_APPLICATIONS).update(
        call_deadline=call.closes
    )
    return call


def funding_call_editable(*, user: User, call: FundingCall) -> bool:
    """Whether the user may change or delete the call: the coordinator of its municipality (not the shared ones)."""
    return call.municipality_id is not None and user_access(user=user).is_coordinator_in(call.municipality_id)


@transaction.atomic
def funding_call_delete(*, actor: User, call: FundingCall) -> None:
    """Delete a municipality's own call, only while no funding application points at it."""
    if call.municipality is None:
        raise PermissionDenied(_("The shared catalogue is kept by the operator of the installation."))
    _require_coordinator(actor, call.municipality)
    call = FundingCall.objects.select_for_update().get(pk=call.pk)
    pointing = FundingApplicationCall.objects.filter(call=call).count()
    if pointing:
        raise ValidationError(
            ngettext(
                "The call cannot be deleted: %(count)d funding application points at it.",
                "The call cannot be deleted: %(count)d funding applications point at it.",
                pointing,
            )
            % {"count": pointing}
        )
    call.delete()


@transaction.atomic
def funding_application_call_set(
    *, actor: User, application: FundingApplication, call: FundingCall | None
) -> FundingApplication:
    """Point the application at a call (its deadline becomes the call's closing date), or at none."""
    if call is not None and not funding_call_list_visible(user=actor).filter(pk=call.pk).exists():
        raise ValidationError({"call": _("Choose one of the offered calls.")})
    if call is not None and call.municipality_id not in (None, application.project.municipality_id):
        raise ValidationError({"call": _("The call belongs to another municipality.")})
    if call is None:
        FundingApplicationCall.objects.filter(application=application).delete()
        return application
    application = funding_update(actor=actor, application=application, call_deadline=call.closes)
    FundingApplicationCall.objects.update_or_create(application=application, defaults={"call": call})
    return application


def _programmes(municipality_id: int) -> dict[str, str]:
    """The municipality's active programmes by code, by name and by abbreviation (``IROP``, ``OP ŽP``)."""
    labels = dict(programme_choices(municipality_id=municipality_id))
    return {
        **{code: code for code in labels},
        **{label.casefold(): code for code, label in labels.items()},
        **{label.split(" – ")[0].casefold(): code for code, label in labels.items()},
    }


HEADERS = {
    "programme": ("programme", "program"),
    "number": ("number", "číslo", "číslo výzvy", "call number"),
    "name": ("name", "název"),
    "provider": ("provider", "poskytovatel"),
    "opens": ("opens", "otevření", "zahájení příjmu"),
    "closes": ("closes", "uzávěrka", "ukončení příjmu"),
    "allocation": ("allocation", "alokace", "alokace (kč)"),
    "max_support_rate": ("max support rate", "míra podpory", "maximální míra podpory (%)"),
    "max_amount": ("max amount", "maximální podpora", "maximální podpora (kč)"),
    "min_savings": ("min savings", "minimální úspora", "minimální úspora (%)"),
    "eligible_applicants": ("eligible applicants", "oprávnění žadatelé"),
    "url": ("url", "odkaz", "link"),
}


def _call_row(row: list[Any], columns: dict[str, int | None], programmes: dict[str, str]) -> tuple[dict, list[str]]:
    def cell(name: str) -> Any:
        index = columns.get(name)
        value = row[index] if index is not None and index < len(row) else None
        return value.strip() if isinstance(value, str) else value

    values: dict[str, Any] = {}
    errors: list[str] = []
    programme = str(cell("programme") or "").strip().casefold()
    values["programme"] = programmes.get(programme)
    if values["programme"] is None:
        errors.append(_("the programme “%(value)s” is unknown") % {"value": cell("programme") or ""})
    for name in ("number", "name", "provider", "eligible_applicants", "url"):
        values[name] = str(cell(name) or "").strip()
    for name in ("opens", "closes"):
        try:
            values[name] = _date(cell(name))
        except ValueError:
            values[name] = ""  # wrong, not missing
            errors.append(_("“%(value)s” is not a date") % {"value": cell(name)})
    for name in ("allocation", "max_support_rate", "max_amount", "min_savings"):
        try:
            values[name] = _decimal(cell(name))
        except (ValueError, InvalidOperation):
            errors.append(_("“%(value)s” is not a number") % {"value": cell(name)})
    if not values["number"] or not values["name"]:
        errors.append(_("the call number or name is missing"))
    if values["closes"] is None:
        errors.append(_("the closing date is missing"))
    return values, errors


@transaction.atomic
def funding_calls_import(*, actor: User, municipality: Municipality, sheet: Sheet) -> list[FundingCall]:
    """Create a call of every row, or none: raises ValidationError naming every wrong row."""
    _require_coordinator(actor, municipality)
    normalised = [header.casefold() for header in sheet.headers]
    columns = {
        name: next((index for index, header in enumerate(normalised) if header in aliases), None)
        for name, aliases in HEADERS.items()
    }
    problems, created, programmes = [], [], _programmes(municipality.pk)
    for index, row in enumerate(sheet.rows):
        number = index + 2
        values, errors = _call_row(row, columns, programmes)
        if not errors:
            call = FundingCall(municipality=municipality, **values)
            try:
                call.full_clean()
            except ValidationError as error:
                errors = error.messages
            else:
                call.save()
                created.append(call)
        if errors:
            problems.append(_("Row %(number)s: %(errors)s.") % {"number": number, "errors": "; ".join(errors)})
    if problems:
        raise ValidationError(problems)
    return created
