"""Who exists in the demo: Město Vzorov and Obec Lhota, the DSO Mikroregion Vzorovsko they are members of, their
departments and partners, the demo accounts and the coordinators' admin group. The projects are in
``backend.demo.stories``.

E-mail addresses use the reserved ``.example`` top-level domain: notifications send real e-mail, and a
demo must never write to a real mailbox.
"""

# Re-exported for the builder: the models whose admin permissions the coordinators' group gets only to view.
from backend.accounts.admin_site import READ_ONLY_MODELS as READ_ONLY_MODELS
from backend.accounts.models import MunicipalityKind, OrganizationKind, Region, Role
from backend.core.validators import ico_check_digit
from backend.demo.specs import AccountSpec, GroupSpec, MembershipSpec, MunicipalitySpec, OrganizationSpec

DEMO_PASSWORD = "demo"


def _ico(first_seven: str) -> str:
    """A valid IČO from its first seven digits (the eighth is the registry's check digit)."""
    return first_seven + str(ico_check_digit(first_seven))


VZOROV = "vzorov"
LHOTA = "lhota"
DSO = "dso"
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
        coordinator_approves_all=True,
    ),
    # A voluntary association of municipalities: its strategy is read by the members' staff, their projects
    # serve its measures (backend.strategy.selectors).
    MunicipalitySpec(
        key=DSO,
        name="Mikroregion Vzorovsko",
        ico=_ico("7098215"),
        region=Region.VYSOCINA,
        departments=(("KAN", "Kancelář svazku"),),
        coordinator_approves_all=True,
        kind=MunicipalityKind.DSO,
        members=(VZOROV, LHOTA),
    ),
)

COORDINATORS = "Koordinátoři"

_DOMAIN_APPS = ("accounts", "projects", "workflows", "energy", "strategy")

# The admin is configuration, for the coordinator alone (backend.accounts.admin_site): heads, project managers,
# staff and partners work in the application and the API, so they have neither ``is_staff`` nor an admin group.
# Project work and history (READ_ONLY_MODELS) stay view-only in the admin, even for coordinators.
GROUPS = (GroupSpec(name=COORDINATORS, full_apps=_DOMAIN_APPS),)

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
    ),
    AccountSpec(
        username="head.transport",
        first_name="Tomáš",
        last_name="Procházka",
        email="tomas.prochazka@vzorov.example",
        memberships=(MembershipSpec(role=Role.HEAD, municipality=VZOROV, department="TRA"),),
    ),
    AccountSpec(
        username="head.ict",
        first_name="Lucie",
        last_name="Horáková",
        email="lucie.horakova@vzorov.example",
        memberships=(MembershipSpec(role=Role.HEAD, municipality=VZOROV, department="ICT"),),
    ),
    AccountSpec(
        username="pm.novak",
        first_name="Jan",
        last_name="Novák",
        email="jan.novak@vzorov.example",
        memberships=(MembershipSpec(role=Role.MANAGER, municipality=VZOROV, department="ENV"),),
    ),
    AccountSpec(
        username="staff.dvorak",
        first_name="Pavel",
        last_name="Dvořák",
        email="pavel.dvorak@vzorov.example",
        memberships=(MembershipSpec(role=Role.STAFF, municipality=VZOROV, department="TRA"),),
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
    AccountSpec(
        username="coordinator.dso",
        first_name="Tomáš",
        last_name="Malý",
        email="tomas.maly@vzorovsko.example",
        memberships=(MembershipSpec(role=Role.COORDINATOR, municipality=DSO),),
        is_staff=True,
        group=COORDINATORS,
    ),
)
