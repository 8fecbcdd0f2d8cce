"""Who exists in the demo: Město Vzorov and Obec Lhota, their departments, strategy and partners, the demo
accounts and the admin groups. The projects are in ``backend.demo.stories``.

E-mail addresses use the reserved ``.example`` top-level domain: notifications send real e-mail, and a
demo must never write to a real mailbox.
"""

from backend.accounts.models import OrganizationKind, Region, Role
from backend.core.validators import ico_check_digit
from backend.demo.specs import AccountSpec, GroupSpec, MembershipSpec, MunicipalitySpec, OrganizationSpec

DEMO_PASSWORD = "demo"


def _ico(first_seven: str) -> str:
    """A valid IČO from its first seven digits (the eighth is the registry's check digit)."""
    return first_seven + str(ico_check_digit(first_seven))


VZOROV = "vzorov"
LHOTA = "lhota"
NGO = "ngo"
FIRM = "firm"

MUNICIPALITIES = (
    MunicipalitySpec(
        key=VZOROV,
        name="Město Vzorov",
        ico=_ico("0029153"),
        region=Region.VYSOCINA,
        departments=(
            ("ENV", "Odbor životního prostředí a energetiky"),
            ("TRA", "Odbor dopravy"),
            ("ICT", "Odbor informatiky"),
        ),
        strategic_measures=(
            ("SC-1.1", "Snižování energetické náročnosti budov ve vlastnictví města"),
            ("SC-1.2", "Rozvoj obnovitelných zdrojů energie a komunitní energetiky"),
            ("SC-2.1", "Bezpečná a plynulá doprava ve městě"),
            ("SC-2.2", "Elektromobilita a sdílená mobilita"),
            ("SC-3.1", "Digitální úřad a otevřená data"),
            ("SC-4.1", "Šetrné hospodaření s vodou, odpady a zelení"),
            ("SC-5.1", "Zapojení občanů a partnerů do rozvoje města"),
        ),
        organizations=(
            OrganizationSpec(key=NGO, name="Zelená Vzorov, z.s.", kind=OrganizationKind.NGO, ico=_ico("2690431")),
            OrganizationSpec(key=FIRM, name="EnergoSmart s.r.o.", kind=OrganizationKind.FIRM, ico=_ico("0864213")),
        ),
    ),
    MunicipalitySpec(
        key=LHOTA,
        name="Obec Lhota",
        ico=_ico("0027847"),
        region=Region.VYSOCINA,
        departments=(("OU", "Obecní úřad"),),
        strategic_measures=(
            ("P-1", "Úspory energie v obecních budovách"),
            ("P-2", "Informovanost a bezpečnost občanů"),
        ),
        coordinator_approves_all=True,
    ),
)

COORDINATORS = "Koordinátoři"
HEADS = "Vedoucí odborů"
MANAGERS = "Projektoví manažeři"
STAFF = "Referenti"

_DOMAIN_APPS = ("accounts", "projects", "workflows")
_PROJECT_WORK = (
    "projects.project",
    "projects.task",
    "projects.comment",
    "projects.fundingapplication",
    "projects.kpi",
)

GROUPS = (
    GroupSpec(name=COORDINATORS, full_apps=_DOMAIN_APPS),
    GroupSpec(name=HEADS, view_apps=_DOMAIN_APPS, change_models=_PROJECT_WORK),
    GroupSpec(name=MANAGERS, view_apps=_DOMAIN_APPS, change_models=_PROJECT_WORK),
    # A referent works on tasks and comments; budgets and the project record are not theirs to change.
    GroupSpec(name=STAFF, view_apps=_DOMAIN_APPS, change_models=("projects.task", "projects.comment")),
)

# Audit records (DESIGN.md: history is never edited) stay read-only in the admin, even for coordinators.
READ_ONLY_MODELS = (
    "projects.event",
    "workflows.transitionrecord",
    "workflows.approvalrequest",
    "workflows.approvaldecision",
)

ACCOUNTS = (
    AccountSpec(
        username="coordinator",
        first_name="Petra",
        last_name="Svobodová",
        email="petra.svobodova@vzorov.example",
        memberships=(MembershipSpec(role=Role.COORDINATOR, municipality=VZOROV),),
        is_staff=True,
        group=COORDINATORS,
    ),
    AccountSpec(
        username="head.env",
        first_name="Martin",
        last_name="Kučera",
        email="martin.kucera@vzorov.example",
        memberships=(MembershipSpec(role=Role.HEAD, municipality=VZOROV, department="ENV"),),
        is_staff=True,
        group=HEADS,
    ),
    AccountSpec(
        username="head.transport",
        first_name="Tomáš",
        last_name="Procházka",
        email="tomas.prochazka@vzorov.example",
        memberships=(MembershipSpec(role=Role.HEAD, municipality=VZOROV, department="TRA"),),
        is_staff=True,
        group=HEADS,
    ),
    AccountSpec(
        username="head.ict",
        first_name="Lucie",
        last_name="Horáková",
        email="lucie.horakova@vzorov.example",
        memberships=(MembershipSpec(role=Role.HEAD, municipality=VZOROV, department="ICT"),),
        is_staff=True,
        group=HEADS,
    ),
    AccountSpec(
        username="pm.novak",
        first_name="Jan",
        last_name="Novák",
        email="jan.novak@vzorov.example",
        memberships=(MembershipSpec(role=Role.MANAGER, municipality=VZOROV, department="ENV"),),
        is_staff=True,
        group=MANAGERS,
    ),
    AccountSpec(
        username="staff.dvorak",
        first_name="Pavel",
        last_name="Dvořák",
        email="pavel.dvorak@vzorov.example",
        memberships=(MembershipSpec(role=Role.STAFF, municipality=VZOROV, department="TRA"),),
        is_staff=True,
        group=STAFF,
    ),
    AccountSpec(
        username="partner.ngo",
        first_name="Eva",
        last_name="Malá",
        email="eva.mala@zelena-vzorov.example",
        memberships=(MembershipSpec(role=Role.PARTNER, municipality=VZOROV, organization=NGO),),
    ),
    AccountSpec(
        username="partner.firm",
        first_name="Radek",
        last_name="Veselý",
        email="radek.vesely@energosmart.example",
        memberships=(MembershipSpec(role=Role.PARTNER, municipality=VZOROV, organization=FIRM),),
    ),
    AccountSpec(
        username="coordinator.lhota",
        first_name="Hana",
        last_name="Černá",
        email="hana.cerna@obec-lhota.example",
        memberships=(MembershipSpec(role=Role.COORDINATOR, municipality=LHOTA),),
        is_staff=True,
        group=COORDINATORS,
    ),
)
