"""Users, municipalities, departments, partner organisations and the memberships that give roles."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.core.fields import SingleLineCharField
from backend.core.models import TimeStampedModel
from backend.core.validators import validate_ico


class User(AbstractUser):
    # A name is shown beside everything the person writes and in every list of people: no invisible characters
    # that would hide or reorder it (a right-to-left override, zero-width spaces), as for every other name.
    first_name = SingleLineCharField(_("first name"), max_length=150, blank=True)
    last_name = SingleLineCharField(_("last name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="cs",
        help_text=_("Language of e-mails and notifications."),
    )
    anonymised_at = models.DateTimeField(
        _("anonymised at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the person's name and e-mail were replaced at their request (GDPR)."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ("last_name", "first_name", "username")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Region(models.TextChoices):
    PRAHA = "praha", _("Prague")
    STREDOCESKY = "stredocesky", _("Central Bohemian Region")
    JIHOCESKY = "jihocesky", _("South Bohemian Region")
    PLZENSKY = "plzensky", _("Plzeň Region")
    KARLOVARSKY = "karlovarsky", _("Karlovy Vary Region")
    USTECKY = "ustecky", _("Ústí nad Labem Region")
    LIBERECKY = "liberecky", _("Liberec Region")
    KRALOVEHRADECKY = "kralovehradecky", _("Hradec Králové Region")
    PARDUBICKY = "pardubicky", _("Pardubice Region")
    VYSOCINA = "vysocina", _("Vysočina Region")
    JIHOMORAVSKY = "jihomoravsky", _("South Moravian Region")
    OLOMOUCKY = "olomoucky", _("Olomouc Region")
    ZLINSKY = "zlinsky", _("Zlín Region")
    MORAVSKOSLEZSKY = "moravskoslezsky", _("Moravian-Silesian Region")


class MunicipalityKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("municipality or town")
    DSO = "dso", _("voluntary association of municipalities (DSO)")
    MAS = "mas", _("local action group (MAS)")


# Kinds that group municipalities: they have members and a strategy the members' staff read.
GROUP_KINDS = (MunicipalityKind.DSO, MunicipalityKind.MAS)


class Municipality(TimeStampedModel):
    """A town, or a group of towns (a DSO or MAS) with its own staff, strategy and projects."""

    name = SingleLineCharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=16, choices=MunicipalityKind.choices, default=MunicipalityKind.MUNICIPALITY
    )
    # Only a DSO or MAS has members, and only municipalities are members (``clean``; the admin's form).
    members = models.ManyToManyField(
        "self",
        symmetrical=False,
        related_name="member_of",
        blank=True,
        verbose_name=_("member municipalities"),
        help_text=_("For a DSO or MAS: the municipalities that are its members."),
    )
    ico = models.CharField(_("IČO"), max_length=8, unique=True, validators=[validate_ico])
    region = models.CharField(_("region"), max_length=32, choices=Region.choices)
    assessment_threshold = models.PositiveSmallIntegerField(
        _("assessment threshold"),
        default=settings.RAMEC_DEFAULT_ASSESSMENT_THRESHOLD,
        # The check constraint below names itself only to developers; a form says what is wrong with the value.
        validators=[MaxValueValidator(100)],
        help_text=_("Minimum assessment score (0–100) a project needs to move to funding."),
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ("name",)
        constraints = [
            models.CheckConstraint(
                condition=Q(assessment_threshold__lte=100), name="municipality_threshold_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_group(self) -> bool:
        return self.kind in GROUP_KINDS


class Department(TimeStampedModel):
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="departments", verbose_name=_("municipality")
    )
    # Single-line like a name: "ENV" and "ENV" with a zero-width space would be two look-alike departments.
    code = SingleLineCharField(_("code"), max_length=16)
    name = SingleLineCharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ("municipality__name", "code")
        constraints = [
            models.UniqueConstraint(fields=("municipality", "code"), name="department_code_unique_per_municipality"),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class OrganizationKind(models.TextChoices):
    NGO = "ngo", _("Non-governmental organisation")
    FIRM = "firm", _("Firm")
    UNIVERSITY = "university", _("University or research institute")
    PUBLIC_AGENCY = "public_agency", _("Public agency")
    OTHER = "other", _("Other")


class PartnerOrganization(TimeStampedModel):
    """An outside organisation a municipality works with; its people sign in as partner guests."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="partner_organizations",
        verbose_name=_("municipality"),
        help_text=_("The municipality whose partner register this organisation belongs to."),
    )
    name = SingleLineCharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=OrganizationKind.choices)
    ico = models.CharField(_("IČO"), max_length=8, blank=True, validators=[validate_ico])
    website = models.URLField(_("website"), blank=True)

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(fields=("municipality", "name"), name="partner_name_unique_per_municipality"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Smart City coordinator")
    HEAD = "head", _("Head of department")
    MANAGER = "manager", _("Project manager")
    STAFF = "staff", _("Staff member")
    PARTNER = "partner", _("Partner guest")


DEPARTMENT_ROLES = (Role.HEAD, Role.MANAGER, Role.STAFF)


class Membership(TimeStampedModel):
    """Gives a user one role in a municipality: in a department, municipality-wide, or for a partner."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("municipality")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("department"),
    )
    organization = models.ForeignKey(
        PartnerOrganization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("partner organisation"),
    )
    # Set by the municipality's coordinator (portal settings): this member moderates citizen ideas too.
    moderates_ideas = models.BooleanField(_("moderates citizen ideas"), default=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ("municipality__name", "role")
        constraints = [
            models.CheckConstraint(
                name="membership_role_shape",
                condition=(
                    Q(role="coordinator", department__isnull=True, organization__isnull=True)
                    | Q(role__in=("head", "manager", "staff"), department__isnull=False, organization__isnull=True)
                    | Q(role="partner", department__isnull=True, organization__isnull=False)
                ),
                violation_error_message=_(
                    "A coordinator belongs to no department, a head, manager or staff member to one department, "
                    "and a partner guest to one partner organisation."
                ),
            ),
            models.UniqueConstraint(
                fields=("user", "municipality"),
                condition=Q(role="coordinator"),
                name="membership_one_coordinator_role",
                violation_error_message=_("This person is already the coordinator of this municipality."),
            ),
            models.UniqueConstraint(
                fields=("user", "department", "role"),
                condition=Q(department__isnull=False),
                name="membership_unique_department_role",
                violation_error_message=_("This person already has this role in this department."),
            ),
            models.UniqueConstraint(
                fields=("user", "organization"),
                condition=Q(organization__isnull=False),
                name="membership_unique_partner",
                violation_error_message=_("This person is already a guest of this partner organisation."),
            ),
        ]

    def __str__(self) -> str:
        where = self.department or self.organization or self.municipality
        return f"{self.user} – {self.get_role_display()} ({where})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if self.role == Role.COORDINATOR and (self.department_id or self.organization_id):
            errors["role"] = _("A coordinator is municipality-wide: leave department and organisation empty.")
        if self.role in DEPARTMENT_ROLES and not self.department_id:
            errors["department"] = _("This role needs a department.")
        if self.role in DEPARTMENT_ROLES and self.organization_id:
            errors["organization"] = _("Staff of the municipality do not belong to a partner organisation.")
        if self.role == Role.PARTNER and not self.organization_id:
            errors["organization"] = _("A partner guest needs a partner organisation.")
        if self.role == Role.PARTNER and self.department_id:
            errors["department"] = _("A partner guest does not belong to a department.")
        if self.department_id and self.municipality_id and self.department.municipality_id != self.municipality_id:
            errors["department"] = _("The department belongs to another municipality.")
        if self.organization_id and self.municipality_id and self.organization.municipality_id != self.municipality_id:
            errors["organization"] = _("The organisation belongs to another municipality.")
        if errors:
            raise ValidationError(errors)


class UserSession(models.Model):
    """Which session belongs to whom, so that a user's sessions can be ended without decoding every session.

    Written at sign-in and removed at sign-out (backend.accounts.sessions); a row whose session already
    expired is harmless and pruned at the user's next sign-in.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tracked_sessions", verbose_name=_("user")
    )
    session_key = models.CharField(_("session key"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("user session")
        verbose_name_plural = _("user sessions")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.created_at:%Y-%m-%d %H:%M}"


def _invitation_nonce() -> str:
    import secrets

    return secrets.token_urlsafe(24)


class InvitationKind(models.TextChoices):
    NEW_ACCOUNT = "new_account", _("New guest account")
    ACCESS_ADDED = "access_added", _("Access added to an existing account")


class Invitation(models.Model):
    """An invitation of one person (by e-mail) to a partner organisation and some of a municipality's projects.

    The link in the mail is a signed value carrying the id and ``nonce`` (backend.accounts.invitations): only
    the server can make one, the row can rebuild it when a sending task is retried, and it works once, until
    ``expires_at``, unless revoked. Inviting someone who already is a guest creates an ``ACCESS_ADDED`` row,
    accepted at once, whose mail only says what was added.
    """

    email = models.EmailField(_("e-mail"))
    organization = models.ForeignKey(
        PartnerOrganization,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("partner organisation"),
    )
    projects = models.ManyToManyField("projects.Project", related_name="invitations", verbose_name=_("projects"))
    kind = models.CharField(
        _("kind"), max_length=16, choices=InvitationKind.choices, default=InvitationKind.NEW_ACCOUNT
    )
    language = models.CharField(_("language of the e-mail"), max_length=8, choices=settings.LANGUAGES, default="cs")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    nonce = models.CharField(max_length=64, default=_invitation_nonce, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"

    @property
    def is_pending(self) -> bool:
        from django.utils import timezone

        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def status(self) -> str:
        from django.utils import timezone

        if self.revoked_at:
            return "revoked"
        if self.accepted_at:
            return "accepted"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"
