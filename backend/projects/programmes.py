"""Funding programmes as data: the installation-wide list (seeded from ``FundingProgramme``) and each
municipality's own. Applications and calls store a programme's code; this module names codes, says which
programmes a municipality may use, and is the only way to add or deactivate one."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.text import slugify
from django.utils.translation import gettext as _

from backend.accounts.models import Municipality, User
from backend.accounts.selectors import user_access
from backend.core.audit import audit_record
from backend.core.models import AuditAction
from backend.projects.choices import FundingProgramme
from backend.projects.models import Programme

_BUILTIN = dict(FundingProgramme.choices)


def programme_labels(codes: Iterable[str]) -> dict[str, str]:
    """The name of each code: the seeded programmes without a query, the others with one query for all."""
    codes = set(codes)
    labels = {code: str(_BUILTIN[code]) for code in codes if code in _BUILTIN}
    unknown = codes - labels.keys()
    if unknown:
        labels.update(Programme.objects.filter(code__in=unknown).values_list("code", "name"))
    return {code: labels.get(code, code) for code in codes}


def programme_label(code: str) -> str:
    return programme_labels([code])[code]


def with_programme_names(rows: QuerySet) -> QuerySet:
    """``rows`` (applications or calls) with ``programme_name`` read in their own query for the programmes that are
    not seeded ones (those are named, translated, without a query), so that a streamed list or feed never looks
    a town's programme up one row at a time (``get_programme_display`` uses the name)."""
    names = Programme.objects.filter(code=OuterRef("programme")).exclude(code__in=_BUILTIN).values("name")[:1]
    return rows.annotate(programme_name=Subquery(names))


def programme_list_for(*, municipality_id: int | None) -> QuerySet[Programme]:
    """The programmes a municipality sees: the installation-wide ones and its own (active or not)."""
    return Programme.objects.filter(Q(municipality__isnull=True) | Q(municipality_id=municipality_id))


def programme_choices(*, municipality_id: int | None, keep: str = "") -> list[tuple[str, str]]:
    """What a form offers: the municipality's active programmes, and ``keep`` (an edited record's own code)."""
    rows = programme_list_for(municipality_id=municipality_id).filter(Q(is_active=True) | Q(code=keep))
    labels = programme_labels(code for (code,) in rows.values_list("code"))
    return sorted(labels.items(), key=lambda item: item[1].casefold())


def programme_require_usable(*, code: str, municipality_id: int | None, previous: str | None = None) -> None:
    """Refuse a code that is no active programme of the municipality; an unchanged ``previous`` code stays."""
    if previous is not None and code == previous:
        return
    if not programme_list_for(municipality_id=municipality_id).filter(code=code, is_active=True).exists():
        raise ValidationError(
            {"programme": _("“%(code)s” is no funding programme offered to this municipality.") % {"code": code}}
        )


def programme_list_visible(*, user: User) -> QuerySet[Programme]:
    access = user_access(user=user)
    if access.is_platform_admin:
        return Programme.objects.select_related("municipality")
    if access.is_anonymous or access.is_partner_only:
        return Programme.objects.none()
    return Programme.objects.select_related("municipality").filter(
        Q(municipality__isnull=True) | Q(municipality_id__in=access.municipality_ids)
    )


def _require_coordinator(actor: User, municipality: Municipality) -> None:
    if not user_access(user=actor).is_coordinator_in(municipality.pk):
        raise PermissionDenied(_("Only the municipality's Smart City coordinator keeps its funding programmes."))


def _free_code(name: str) -> str:
    base = slugify(name).replace("-", "_")[:24].strip("_") or "programme"
    code, number = base, 1
    while Programme.objects.filter(code=code).exists():
        number += 1
        code = f"{base}_{number}"
    return code


@transaction.atomic
def programme_create(*, actor: User, municipality: Municipality, name: str, provider: str = "") -> Programme:
    """Add a programme of the municipality; its code is made from the name, unique in the installation."""
    _require_coordinator(actor, municipality)
    name, provider = name.strip(), provider.strip()
    if programme_list_for(municipality_id=municipality.pk).filter(name__iexact=name).exists():
        raise ValidationError({"name": _("The municipality already has a programme of this name.")})
    programme = Programme(municipality=municipality, name=name, provider=provider, code=_free_code(name))
    programme.full_clean()
    programme.save()
    _audit(AuditAction.PROGRAMME_ADDED, actor=actor, programme=programme)
    return programme


@transaction.atomic
def programme_active_set(*, actor: User, programme: Programme, is_active: bool) -> Programme:
    """Stop (or resume) offering a municipality's programme for new applications; stored ones keep its name."""
    if programme.municipality is None:
        raise PermissionDenied(_("The installation-wide programmes are kept by the operator of the installation."))
    _require_coordinator(actor, programme.municipality)
    if programme.is_active == is_active:
        return programme
    programme.is_active = is_active
    programme.save(update_fields=["is_active", "updated_at"])
    action = AuditAction.PROGRAMME_RESUMED if is_active else AuditAction.PROGRAMME_DEACTIVATED
    _audit(action, actor=actor, programme=programme)
    return programme


def _audit(action: AuditAction, *, actor: User, programme: Programme) -> None:
    """The change in the municipality's audit log, in the change's transaction."""
    audit_record(
        action=action,
        actor=actor,
        municipality_ids=[programme.municipality_id],
        object_type="programme",
        object_id=programme.pk,
        details={"message": f"{programme.name} ({programme.code})"},
    )


def programme_validate_for_user(*, user: User, code: str) -> str:
    """An input's programme code when it is an active programme the user's municipalities may use (the API's
    field check; the services then check the record's own municipality)."""
    if not programme_list_visible(user=user).filter(code=code, is_active=True).exists():
        raise ValidationError(_("“%(code)s” is no funding programme offered to this municipality.") % {"code": code})
    return code
