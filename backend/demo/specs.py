"""The vocabulary the demo data is written in: who exists, and what happens to each project, step by step.

The tables in ``backend.demo.data`` and ``backend.demo.stories`` use these frozen dataclasses; the
builder turns every step into a call of the real services, so the demo carries real history.
Amounts are whole CZK; dates are offsets from the day the demo is seeded, so the demo always looks current.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from backend.projects.choices import FundingStatus, KpiKind, PartnerAccessLevel, TaskStatus

type Number = int | Decimal


@dataclass(frozen=True)
class OrganizationSpec:
    key: str
    name: str
    kind: str
    ico: str = ""


@dataclass(frozen=True)
class MunicipalitySpec:
    key: str
    name: str
    ico: str
    region: str
    departments: tuple[tuple[str, str], ...]
    organizations: tuple[OrganizationSpec, ...] = ()
    # A small municipality has no heads of department: its policies let the coordinator approve every gate.
    coordinator_approves_all: bool = False
    # A DSO or MAS (``MunicipalityKind``) and the keys of its member municipalities, specified before it.
    kind: str = "municipality"
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class MembershipSpec:
    role: str
    municipality: str
    department: str | None = None
    organization: str | None = None


@dataclass(frozen=True)
class AccountSpec:
    username: str
    first_name: str
    last_name: str
    email: str
    memberships: tuple[MembershipSpec, ...]
    # Only coordinators sign in to the Django admin (backend.accounts.admin_site); nobody else needs it.
    is_staff: bool = False
    group: str | None = None


@dataclass(frozen=True)
class GroupSpec:
    """A Django admin group: every permission of ``full_apps`` (audit records read-only), the view
    permission of ``view_apps``, and the change permission of ``change_models`` ("app_label.model")."""

    name: str
    full_apps: tuple[str, ...] = ()
    view_apps: tuple[str, ...] = ()
    change_models: tuple[str, ...] = ()


# Steps of a project's story. ``by`` is always the username of the demo account acting.


@dataclass(frozen=True)
class Move:
    """Run a transition, or request it when the municipality's policy asks for approval."""

    transition: str
    by: str
    comment: str = ""


@dataclass(frozen=True)
class Decide:
    """Approve or reject the approval request made by the project's latest ``Move``."""

    by: str
    approve: bool = True
    comment: str = ""


@dataclass(frozen=True)
class Assess:
    by: str
    score: int
    summary: str


@dataclass(frozen=True)
class Evaluate:
    by: str
    summary: str


@dataclass(frozen=True)
class Edit:
    """Any other change of the project's editable fields (the stage is never one of them)."""

    by: str
    changes: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Invite:
    organization: str
    by: str
    access: str = PartnerAccessLevel.CONTRIBUTE


@dataclass(frozen=True)
class ShareWith:
    """Share the project with another municipality (its staff then see it and work on it)."""

    municipality: str
    by: str


@dataclass(frozen=True)
class AddTask:
    """A task of the project's current stage; its status is then moved by the assignee (or the creator)."""

    title: str
    by: str
    due_in_days: int
    assignee: str | None = None
    status: str = TaskStatus.OPEN
    description: str = ""


@dataclass(frozen=True)
class Remark:
    by: str
    body: str
    shared: bool = False


@dataclass(frozen=True)
class Attach:
    """A file attached to the project: ``content`` is its text (the demo attaches CSV and plain-text files)."""

    by: str
    name: str
    content: str
    shared: bool = False


@dataclass(frozen=True)
class InviteGuest:
    """An invitation sent by e-mail and not yet accepted (it shows as pending on the project's partners page)."""

    by: str
    email: str
    organization: str


@dataclass(frozen=True)
class Apply:
    """A funding application; ``approved`` only with ``status=APPROVED`` (own budget decided at once)."""

    programme: str
    by: str
    requested: Number
    call: str = ""
    status: str = FundingStatus.PLANNED
    approved: Number | None = None
    deadline_in_days: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Award:
    """The programme approved the project's application to it."""

    programme: str
    by: str
    amount: Number
    note: str = ""


@dataclass(frozen=True)
class Refuse:
    """The programme turned the project's application down."""

    programme: str
    by: str
    note: str = ""


@dataclass(frozen=True)
class AddKpi:
    name: str
    by: str
    target: Number
    kind: str = KpiKind.CUSTOM
    unit: str = ""
    baseline: Number | None = 0
    carrier: str = ""
    sector: str = ""  # the Covenant of Mayors sector the report lists the project under


@dataclass(frozen=True)
class RecordKpi:
    name: str
    by: str
    actual: Number


type Step = (
    Move
    | Decide
    | Assess
    | Evaluate
    | Edit
    | Invite
    | ShareWith
    | InviteGuest
    | AddTask
    | Remark
    | Attach
    | Apply
    | Award
    | Refuse
    | AddKpi
    | RecordKpi
)


@dataclass(frozen=True)
class ProjectStory:
    """A project as created, and everything that then happens to it; it must end in ``stage``."""

    municipality: str
    title: str
    summary: str
    description: str
    lead: str
    area: str
    author: str
    stage: str
    steps: tuple[Step, ...]
    manager: str | None = None
    involved: tuple[str, ...] = ()
    cost: Number | None = None
    is_public: bool = False
    # Planned start as months from the current month (None: not planned yet) and planned length in months.
    start_in_months: int | None = None
    months: int = 12
    measures: tuple[str, ...] = ()
    # Measures of a DSO's or MAS's strategy the project serves: (the group's key, the measure's code).
    group_measures: tuple[tuple[str, str], ...] = ()
    watchers: tuple[str, ...] = ()
    # Days the project has stood in its current stage; None: a plausible figure for the stage (the builder's).
    days_in_stage: int | None = None
