"""The demo's strategies: Vzorov's Smart City strategy 2024–2030, Lhota's development programme and the DSO
Mikroregion Vzorovsko's strategy (read by both members), each adopted by its council, and three amendments of
Vzorov's: one approved by the board's resolution, one waiting for the coordinator, one in public consultation (a
citizen's comment answered, another waiting for moderation).

Built through ``backend.strategy.services`` like everything else in the demo, so the strategy carries real
revisions and versions. Codes follow MMR's Databáze strategií: goal ``1``, specific goal ``1.1``, measure ``1.1.1``.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from backend.accounts.models import User
from backend.core.resolutions import ResolutionBody
from backend.projects.choices import KpiKind
from backend.strategy.consultation import (
    consultation_comment_answer,
    consultation_comment_confirm,
    consultation_comment_moderate,
    consultation_comment_submit,
    consultation_open,
)
from backend.strategy.models import Amendment, AmendmentAction, ItemKind, Measure, Strategy
from backend.strategy.services import (
    ChangeSpec,
    amendment_propose,
    amendment_resolution_record,
    strategy_adopt,
    strategy_create,
    strategy_item_add,
)


@dataclass(frozen=True)
class IndicatorSpec:
    name: str
    unit: str
    baseline: Decimal | int
    target: Decimal | int
    year: int
    kind: str = KpiKind.CUSTOM


@dataclass(frozen=True)
class MeasureSpec:
    code: str
    title: str
    department: str | None
    indicators: tuple[IndicatorSpec, ...] = ()


@dataclass(frozen=True)
class GoalSpec:
    code: str
    title: str
    parent: str = ""
    measures: tuple[MeasureSpec, ...] = ()


@dataclass(frozen=True)
class AmendmentSpec:
    title: str
    reason: str
    by: str
    changes: tuple[ChangeSpec, ...]
    # When set, the coordinator records this resolution and the amendment applies: (body, number, date).
    resolution: tuple[str, str, date] | None = None
    # When set, the proposer puts it to public consultation from so many days ago for so many days, and these
    # citizens comment: (name, e-mail, text, the proposer's answer or "" for a comment waiting for moderation).
    consultation: tuple[int, int] | None = None
    comments: tuple[tuple[str, str, str, str], ...] = ()


@dataclass(frozen=True)
class StrategySpec:
    municipality: str
    coordinator: str
    title: str
    period: tuple[int, int]
    resolution: tuple[str, str, date]
    goals: tuple[GoalSpec, ...]
    amendments: tuple[AmendmentSpec, ...] = field(default=())


VZOROV_STRATEGY = StrategySpec(
    municipality="vzorov",
    coordinator="coordinator",
    title="Strategie Smart City Vzorov 2024–2030",
    period=(2024, 2030),
    resolution=(ResolutionBody.ASSEMBLY, "ZM 12/2024", date(2024, 3, 4)),
    goals=(
        GoalSpec("1", "Klimaticky odolné a úsporné město"),
        GoalSpec(
            "1.1",
            "Energeticky úsporné budovy a veřejné osvětlení",
            parent="1",
            measures=(
                MeasureSpec(
                    "1.1.1",
                    "Snižování energetické náročnosti budov ve vlastnictví města",
                    "ENV",
                    (
                        IndicatorSpec(
                            "Úspora energie v budovách a osvětlení", "", 0, 1200, 2030, KpiKind.ENERGY_SAVINGS
                        ),
                        IndicatorSpec("Snížení emisí CO₂", "", 0, 900, 2030, KpiKind.CO2_REDUCTION),
                    ),
                ),
                MeasureSpec("1.1.2", "Energetický management veřejných budov", "ENV"),
            ),
        ),
        GoalSpec(
            "1.2",
            "Obnovitelné zdroje energie",
            parent="1",
            measures=(
                MeasureSpec(
                    "1.2.1",
                    "Rozvoj obnovitelných zdrojů energie a komunitní energetiky",
                    "ENV",
                    (IndicatorSpec("Instalovaný výkon fotovoltaiky na budovách města", "kWp", 40, 600, 2030),),
                ),
            ),
        ),
        GoalSpec(
            "1.3",
            "Voda, odpady a zeleň",
            parent="1",
            measures=(
                MeasureSpec(
                    "1.3.1",
                    "Šetrné hospodaření s vodou, odpady a zelení",
                    "ENV",
                    (IndicatorSpec("Ztráty vody ve vodovodní síti", "%", 18, 10, 2028),),
                ),
            ),
        ),
        GoalSpec("2", "Chytrá a bezpečná mobilita"),
        GoalSpec(
            "2.1",
            "Bezpečná doprava",
            parent="2",
            measures=(
                MeasureSpec(
                    "2.1.1",
                    "Bezpečná a plynulá doprava ve městě",
                    "TRA",
                    (IndicatorSpec("Dopravní nehody se zraněním", "nehod/rok", 42, 25, 2030),),
                ),
                MeasureSpec("2.1.2", "Chytré parkování v centru města", "TRA"),
            ),
        ),
        GoalSpec(
            "2.2",
            "Udržitelná mobilita",
            parent="2",
            measures=(
                MeasureSpec(
                    "2.2.1",
                    "Elektromobilita a sdílená mobilita",
                    "TRA",
                    (IndicatorSpec("Veřejné dobíjecí body", "ks", 4, 40, 2030),),
                ),
            ),
        ),
        GoalSpec("3", "Otevřený a digitální úřad"),
        GoalSpec(
            "3.1",
            "Digitální služby a data",
            parent="3",
            measures=(
                MeasureSpec(
                    "3.1.1",
                    "Digitální úřad a otevřená data",
                    "ICT",
                    (IndicatorSpec("Datové sady v katalogu otevřených dat", "ks", 5, 60, 2027),),
                ),
                MeasureSpec("3.1.2", "Kybernetická bezpečnost městských systémů", "ICT"),
            ),
        ),
        GoalSpec(
            "3.2",
            "Zapojení občanů",
            parent="3",
            measures=(
                MeasureSpec(
                    "3.2.1",
                    "Zapojení občanů a partnerů do rozvoje města",
                    None,
                    (IndicatorSpec("Náměty občanů převzaté do projektů", "námětů/rok", 0, 20, 2030),),
                ),
            ),
        ),
    ),
    amendments=(
        AmendmentSpec(
            title="Nové opatření 1.2.2 Sdílení elektřiny mezi budovami města",
            reason=(
                "Novela energetického zákona umožnila sdílet elektřinu z vlastních výroben. Město chce "
                "přebytky fotovoltaiky ze škol sdílet do dalších svých budov; strategie pro to nemá opatření."
            ),
            by="pm.novak",
            changes=(
                ChangeSpec(
                    action="add",
                    kind=ItemKind.MEASURE,
                    data={"code": "1.2.2", "title": "Sdílení elektřiny mezi budovami města", "goal": "1.2"},
                ),
            ),
            resolution=(ResolutionBody.BOARD, "RM 45/2025", date(2025, 6, 16)),
        ),
        AmendmentSpec(
            title="Rozšíření opatření 2.1.2 o zóny placeného stání",
            reason=(
                "Senzory obsazenosti samy parkování v centru nezlepší; opatření má zahrnout i zóny "
                "placeného stání, jak doporučil parkovací generel."
            ),
            by="staff.dvorak",
            changes=(
                ChangeSpec(
                    action="change",
                    kind=ItemKind.MEASURE,
                    data={"code": "2.1.2", "title": "Chytré parkování a zóny placeného stání", "goal": "2.1"},
                ),
            ),
        ),
        AmendmentSpec(
            title="Otevřená data v opatření 3.1.2",
            reason=(
                "Městské systémy sbírají data o parkování, energiích a ovzduší; opatření má vedle kybernetické "
                "bezpečnosti zajistit i jejich zveřejňování jako otevřených dat."
            ),
            by="staff.dvorak",
            changes=(
                ChangeSpec(
                    action="change",
                    kind=ItemKind.MEASURE,
                    data={
                        "code": "3.1.2",
                        "title": "Kybernetická bezpečnost a otevřená data městských systémů",
                        "goal": "3.1",
                    },
                ),
            ),
            consultation=(5, 30),
            comments=(
                (
                    "Marie Sousedová",
                    "marie.sousedova@example.org",
                    "Otevřená data ano, ale bez osobních údajů: data z kamer by se zveřejňovat neměla.",
                    "Děkujeme. Zveřejníme jen souhrnná data bez osobních údajů; záznamy kamer zveřejňovány nebudou.",
                ),
                (
                    "Tomáš Řidič",
                    "tomas.ridic@example.org",
                    "Prosím zveřejněte data ze senzorů obsazenosti jako otevřená data.",
                    "",
                ),
            ),
        ),
    ),
)

LHOTA_STRATEGY = StrategySpec(
    municipality="lhota",
    coordinator="coordinator.lhota",
    title="Program rozvoje obce Lhota 2023–2028",
    period=(2023, 2028),
    resolution=(ResolutionBody.ASSEMBLY, "ZO 5/2023", date(2023, 2, 20)),
    goals=(
        GoalSpec(
            "1",
            "Úsporná a bezpečná obec",
            measures=(
                MeasureSpec(
                    "1.1",
                    "Úspory energie v obecních budovách",
                    "OU",
                    (IndicatorSpec("Úspora energie v obecních budovách", "", 0, 40, 2028, KpiKind.ENERGY_SAVINGS),),
                ),
                MeasureSpec("1.2", "Informovanost a bezpečnost občanů", "OU"),
            ),
        ),
    ),
)

DSO_STRATEGY = StrategySpec(
    municipality="dso",
    coordinator="coordinator.dso",
    title="Strategie rozvoje Mikroregionu Vzorovsko 2025–2030",
    period=(2025, 2030),
    resolution=(ResolutionBody.ASSEMBLY, "VH 2/2025", date(2025, 4, 10)),
    goals=(
        GoalSpec(
            "1",
            "Bezpečný a propojený mikroregion",
            measures=(
                MeasureSpec(
                    "1.1",
                    "Společné varování a informování obyvatel členských obcí",
                    "KAN",
                    (IndicatorSpec("Obyvatelé zapojení do varovného systému", "osob", 0, 3000, 2030),),
                ),
                MeasureSpec("1.2", "Cyklostezky mezi členskými obcemi", "KAN"),
            ),
        ),
    ),
)

# The DSO's after its members': its measures are ready when the members' project stories link to them.
STRATEGIES = (VZOROV_STRATEGY, LHOTA_STRATEGY, DSO_STRATEGY)


def strategy_ensure(
    *, spec: StrategySpec, municipality, departments: dict[str, object], users: dict[str, User]
) -> dict[str, Measure]:
    """Build, adopt and amend the strategy unless it exists; its measures by code, for the projects' stories."""
    strategy = Strategy.objects.filter(municipality=municipality, title=spec.title).first()
    if strategy is None:
        strategy = _strategy_build(spec=spec, municipality=municipality, departments=departments, users=users)
    return {measure.code: measure for measure in Measure.objects.filter(strategy=strategy)}


def _strategy_build(*, spec: StrategySpec, municipality, departments, users) -> Strategy:
    coordinator = users[spec.coordinator]
    strategy = strategy_create(
        actor=coordinator,
        municipality=municipality,
        title=spec.title,
        period_start=spec.period[0],
        period_end=spec.period[1],
    )
    for goal in spec.goals:
        strategy_item_add(
            actor=coordinator,
            strategy=strategy,
            kind=ItemKind.GOAL,
            data={"code": goal.code, "title": goal.title, "parent": goal.parent},
        )
    for goal in spec.goals:
        for measure in goal.measures:
            department = departments[measure.department].pk if measure.department else None
            strategy_item_add(
                actor=coordinator,
                strategy=strategy,
                kind=ItemKind.MEASURE,
                data={"code": measure.code, "title": measure.title, "goal": goal.code, "department": department},
            )
            for indicator in measure.indicators:
                strategy_item_add(
                    actor=coordinator,
                    strategy=strategy,
                    kind=ItemKind.INDICATOR,
                    data={
                        "measure": measure.code,
                        "title": indicator.name,
                        "kind": indicator.kind,
                        "unit": indicator.unit,
                        "baseline": indicator.baseline,
                        "target": indicator.target,
                        "target_year": indicator.year,
                    },
                )
    body, number, adopted_on = spec.resolution
    strategy = strategy_adopt(
        actor=coordinator,
        strategy=strategy,
        resolution_body=body,
        resolution_number=number,
        resolution_date=adopted_on,
    )
    for amendment_spec in spec.amendments:
        changes = [_resolved(strategy=strategy, change=change) for change in amendment_spec.changes]
        amendment = amendment_propose(
            actor=users[amendment_spec.by],
            strategy=strategy,
            title=amendment_spec.title,
            reason=amendment_spec.reason,
            changes=changes,
        )
        if amendment_spec.consultation:
            _consultation(amendment=amendment, spec=amendment_spec, coordinator=coordinator)
        if amendment_spec.resolution:
            body, number, approved_on = amendment_spec.resolution
            amendment_resolution_record(
                actor=coordinator,
                amendment=amendment,
                resolution_body=body,
                resolution_number=number,
                resolution_date=approved_on,
            )
        strategy.refresh_from_db()
    return strategy


def _consultation(*, amendment: Amendment, spec: AmendmentSpec, coordinator: User) -> None:
    """The amendment in public consultation: comments confirmed, published and answered, or waiting."""
    days_ago, days = spec.consultation
    today = timezone.localdate()
    consultation = consultation_open(
        actor=amendment.proposed_by,
        amendment=amendment,
        starts_on=today - timedelta(days=days_ago),
        ends_on=today - timedelta(days=days_ago) + timedelta(days=days),
    )
    for name, email, body, answer in spec.comments:
        _comment, token = consultation_comment_submit(
            consultation=consultation, author_name=name, email=email, body=body, today=today
        )
        comment = consultation_comment_confirm(token=token)
        if answer:
            consultation_comment_moderate(actor=coordinator, comment=comment, publish=True)
            consultation_comment_answer(actor=amendment.proposed_by, comment=comment, answer=answer)


def _resolved(*, strategy: Strategy, change: ChangeSpec) -> ChangeSpec:
    """A change of an existing measure names it by code in the table; the service wants its id."""
    if change.action == AmendmentAction.ADD:
        return change
    measure = Measure.objects.get(strategy=strategy, code=change.data["code"])
    return ChangeSpec(action=change.action, kind=change.kind, item_id=measure.pk, data=change.data)
