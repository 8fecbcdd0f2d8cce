"""The demo projects of Město Vzorov and Obec Lhota, each told as the steps that brought it to its stage.

Every step is done by the demo account that would do it in a real town: the project manager requests,
the head of the lead department and the coordinator approve (DESIGN.md's default policies), partners
comment and work on their tasks. Task due dates count days from the project's planned start.
"""

from decimal import Decimal

from backend.demo.data import DSO, FIRM, LHOTA, NGO, VZOROV
from backend.demo.specs import (
    AddKpi,
    AddTask,
    Apply,
    Assess,
    Attach,
    Award,
    Decide,
    Edit,
    Evaluate,
    Invite,
    InviteGuest,
    Move,
    ProjectStory,
    RecordKpi,
    Refuse,
    Remark,
    ShareWith,
)
from backend.projects.choices import (
    CovenantSector,
    EnergyCarrier,
    FundingStatus,
    KpiKind,
    PartnerAccessLevel,
    TaskStatus,
    ThematicArea,
)
from backend.projects.choices import FundingProgramme as Programme
from backend.projects.stages import Stage

COORD = "coordinator"
HEAD_ENV = "head.env"
HEAD_TRA = "head.transport"
HEAD_ICT = "head.ict"
PM = "pm.novak"
STAFF = "staff.dvorak"
NGO_GUEST = "partner.ngo"
FIRM_GUEST = "partner.firm"
LHOTA_COORD = "coordinator.lhota"

DONE = TaskStatus.DONE
IN_PROGRESS = TaskStatus.IN_PROGRESS
SUBMITTED = FundingStatus.SUBMITTED
APPROVED = FundingStatus.APPROVED
VIEW = PartnerAccessLevel.VIEW
ENERGY = KpiKind.ENERGY_SAVINGS
RENEWABLE = KpiKind.RENEWABLE_PRODUCTION
ELECTRICITY = EnergyCarrier.ELECTRICITY
HEAT = EnergyCarrier.DISTRICT_HEAT
GAS = EnergyCarrier.NATURAL_GAS
LIGHTING = CovenantSector.PUBLIC_LIGHTING
MUNICIPAL = CovenantSector.MUNICIPAL_BUILDINGS
RESIDENTIAL = CovenantSector.RESIDENTIAL
LOCAL_ELECTRICITY = CovenantSector.LOCAL_ELECTRICITY
CO2 = KpiKind.CO2_REDUCTION

VZOROV_STORIES = (
    # ---------------------------------------------------------------- completed
    ProjectStory(
        municipality=VZOROV,
        title="Modernizace veřejného osvětlení na LED",
        summary="Výměna 1 450 výbojkových svítidel za LED s dálkovým řízením a nočním stmíváním.",
        description=(
            "Veřejné osvětlení spotřebuje téměř třetinu elektřiny, kterou město platí. Projekt nahradí "
            "dožívající sodíková svítidla úspornými LED svítidly s centrálním řízením, nočním stmíváním "
            "podle provozu a automatickým hlášením poruch. Součástí je pasportizace soustavy a výměna "
            "nevyhovujících stožárů na hlavních komunikacích."
        ),
        lead="ENV",
        involved=("TRA",),
        area=ThematicArea.ENERGY,
        cost=18_500_000,
        author=PM,
        manager=PM,
        is_public=True,
        start_in_months=-30,
        months=14,
        measures=("1.1.1",),
        watchers=(COORD, HEAD_TRA),
        stage=Stage.COMPLETED,
        steps=(
            Invite(FIRM, by=PM),
            Remark(
                by=PM,
                body="Pasportizace osvětlení je hotová, @head.env prosím o kontrolu podkladů před posouzením.",
            ),
            Move("submit", by=PM),
            Assess(
                by=HEAD_ENV,
                score=88,
                summary="Úspora přes 600 MWh ročně, návratnost do 9 let, hotová projektová dokumentace.",
            ),
            Move("approve_for_funding", by=PM, comment="Posouzení je zapsané, žádám o schválení do financování."),
            Decide(by=HEAD_ENV, comment="Schvaluji, projekt je připravený."),
            Apply(
                Programme.MODERNISATION_FUND,
                by=PM,
                requested=12_950_000,
                call="Modernizační fond – ENERG ETS, veřejné osvětlení",
                status=SUBMITTED,
                deadline_in_days=-840,
                note="Žádost zpracovala EnergoSmart v rámci zakázky na energetický posudek.",
            ),
            Award(Programme.MODERNISATION_FUND, by=PM, amount=12_950_000),
            Apply(
                Programme.MUNICIPAL_BUDGET,
                by=PM,
                requested=5_550_000,
                call="Rozpočet města – spolufinancování investic",
                status=APPROVED,
                approved=5_550_000,
                note="Schváleno zastupitelstvem spolu s rozpočtovým opatřením č. 4.",
            ),
            Move("start_implementation", by=PM, comment="Financování je zajištěno, dodavatel vybrán."),
            Decide(by=HEAD_ENV),
            Decide(by=COORD, comment="Schvaluji zahájení realizace."),
            AddTask("Výběrové řízení na dodavatele svítidel", by=PM, due_in_days=30, status=DONE),
            AddTask("Výměna svítidel – 1. etapa (centrum)", by=PM, due_in_days=150, assignee=FIRM_GUEST, status=DONE),
            AddTask(
                "Výměna svítidel – 2. etapa (sídliště a místní části)",
                by=PM,
                due_in_days=300,
                assignee=FIRM_GUEST,
                status=DONE,
            ),
            AddTask("Zprovoznění dispečinku veřejného osvětlení", by=PM, due_in_days=360, status=DONE),
            AddKpi("Úspora elektrické energie", by=PM, kind=ENERGY, carrier=ELECTRICITY, sector=LIGHTING, target=620),
            AddKpi("Snížení emisí CO₂", by=PM, kind=CO2, target=530),
            AddKpi("Vyměněná svítidla", by=PM, unit="ks", target=1450),
            Remark(
                by=FIRM_GUEST,
                shared=True,
                body="Druhá etapa je dokončená, předávací protokoly jsou ve sdílené složce projektu.",
            ),
            Move("finish_implementation", by=PM, comment="Všechna svítidla jsou vyměněná, dispečink běží."),
            Decide(by=HEAD_ENV),
            RecordKpi("Úspora elektrické energie", by=PM, actual=648),
            RecordKpi("Snížení emisí CO₂", by=PM, actual=556),
            RecordKpi("Vyměněná svítidla", by=PM, actual=1450),
            Evaluate(
                by=PM,
                summary=(
                    "Spotřeba veřejného osvětlení klesla za první rok o 648 MWh (−61 %), cíl byl překročen. "
                    "Dispečink zkrátil dobu opravy poruchy z 9 na 2 dny."
                ),
            ),
            Move("complete", by=PM, comment="Vyhodnocení za první rok provozu je hotové."),
            Decide(by=COORD, comment="Výborný výsledek, projekt uzavírám."),
        ),
    ),
    ProjectStory(
        municipality=VZOROV,
        title="Síť senzorů kvality ovzduší",
        summary="15 senzorů prachových částic a NO₂ s veřejnou mapou naměřených hodnot.",
        description=(
            "Spolek Zelená Vzorov a město společně provozují síť senzorů PM2,5, PM10 a NO₂ u škol, "
            "na hlavních křižovatkách a v obytných čtvrtích. Naměřené hodnoty jsou v reálném čase na mapě "
            "a v katalogu otevřených dat; slouží k plánování dopravních opatření a k varování při smogu."
        ),
        lead="ENV",
        involved=("ICT", "TRA"),
        area=ThematicArea.ENVIRONMENT,
        cost=780_000,
        author=PM,
        manager=PM,
        is_public=True,
        start_in_months=-24,
        months=8,
        measures=("1.3.1", "3.1.1", "3.2.1"),
        watchers=(HEAD_TRA, NGO_GUEST),
        stage=Stage.COMPLETED,
        steps=(
            Invite(NGO, by=PM),
            Move("submit", by=PM),
            Assess(by=HEAD_ENV, score=74, summary="Levné řešení s velkým zájmem veřejnosti, data využije doprava."),
            Move("approve_for_funding", by=PM),
            Decide(by=HEAD_ENV),
            Apply(
                Programme.REGIONAL_GRANT,
                by=PM,
                requested=390_000,
                call="Fond Vysočiny – Životní prostředí",
                status=SUBMITTED,
                deadline_in_days=-700,
            ),
            Award(Programme.REGIONAL_GRANT, by=PM, amount=390_000),
            Apply(Programme.MUNICIPAL_BUDGET, by=PM, requested=390_000, status=APPROVED, approved=390_000),
            Move("start_implementation", by=PM),
            Decide(by=HEAD_ENV),
            Decide(by=COORD),
            AddTask("Instalace senzorů na 15 stanovištích", by=PM, due_in_days=60, assignee=NGO_GUEST, status=DONE),
            AddTask("Publikace dat na portálu otevřených dat", by=PM, due_in_days=120, assignee=HEAD_ICT, status=DONE),
            AddKpi("Senzory v provozu", by=PM, unit="ks", target=15),
            AddKpi("Dostupnost dat", by=PM, unit="%", target=95),
            Move("finish_implementation", by=PM),
            Decide(by=HEAD_ENV),
            RecordKpi("Senzory v provozu", by=PM, actual=16),
            RecordKpi("Dostupnost dat", by=PM, actual=Decimal("97.8")),
            Evaluate(
                by=PM,
                summary=(
                    "Síť běží s dostupností dat 97,8 %, spolek doplnil jeden senzor navíc u MŠ Sluníčko. "
                    "Odbor dopravy využil data pro návrh zón 30 u škol."
                ),
            ),
            Remark(
                by=NGO_GUEST,
                shared=True,
                body="Děkujeme za spolupráci, příští rok bychom rádi přidali senzory hluku.",
            ),
            Move("complete", by=PM),
            Decide(by=COORD),
        ),
    ),
    ProjectStory(
        municipality=VZOROV,
        title="Portál otevřených dat města",
        summary="Katalog otevřených dat města napojený na Národní katalog otevřených dat.",
        description=(
            "Město zveřejňuje rozpočet, smlouvy, jízdní řády, parkoviště, měření ovzduší a další data "
            "ve strojově čitelné podobě. Portál je postaven na otevřeném softwaru a datové sady jsou "
            "registrovány v Národním katalogu otevřených dat, aby je mohli využít vývojáři i novináři."
        ),
        lead="ICT",
        area=ThematicArea.ICT,
        cost=650_000,
        author=HEAD_ICT,
        manager=PM,
        is_public=True,
        start_in_months=-26,
        months=8,
        measures=("3.1.1",),
        watchers=(COORD,),
        stage=Stage.COMPLETED,
        steps=(
            Invite(NGO, by=HEAD_ICT, access=VIEW),
            Move("submit", by=HEAD_ICT),
            Assess(by=HEAD_ICT, score=79, summary="Nízké náklady, zákonná povinnost zveřejňovat vybraná data."),
            Move("approve_for_funding", by=PM),
            Decide(by=HEAD_ICT),
            Apply(
                Programme.MUNICIPAL_BUDGET,
                by=HEAD_ICT,
                requested=650_000,
                call="Rozpočet města – informatika",
                status=APPROVED,
                approved=650_000,
            ),
            Move("start_implementation", by=PM, comment="Rozpočet je schválený."),
            Decide(by=HEAD_ICT),
            Decide(by=COORD),
            AddTask("Katalog datových sad a jejich správců", by=HEAD_ICT, due_in_days=30, status=DONE),
            AddTask("Publikace prvních 20 datových sad", by=HEAD_ICT, due_in_days=120, status=DONE),
            AddTask("Registrace v Národním katalogu otevřených dat", by=HEAD_ICT, due_in_days=150, status=DONE),
            AddKpi("Publikované datové sady", by=HEAD_ICT, unit="sad", target=30),
            AddKpi("Stažení dat", by=HEAD_ICT, unit="stažení/rok", target=5000),
            Move("finish_implementation", by=PM),
            Decide(by=HEAD_ICT),
            RecordKpi("Publikované datové sady", by=HEAD_ICT, actual=34),
            RecordKpi("Stažení dat", by=HEAD_ICT, actual=7200),
            Evaluate(
                by=HEAD_ICT,
                summary="Zveřejněno 34 datových sad, nejstahovanější jsou rozpočet a obsazenost parkovišť.",
            ),
            Move("complete", by=PM),
            Decide(by=COORD, comment="Děkuji, portál budeme dál rozvíjet v rámci provozu."),
        ),
    ),
    # ---------------------------------------------------------------- evaluation
    ProjectStory(
        municipality=VZOROV,
        title="Energetický management veřejných budov",
        summary="Dálkový odečet energií ve 24 budovách města a měsíční vyhodnocování spotřeby.",
        description=(
            "Město zavádí energetický management podle ČSN EN ISO 50001. Ve 24 budovách (školy, školky, "
            "úřad, sportoviště) jsou chytrá měřidla elektřiny, tepla, plynu a vody s dálkovým odečtem. "
            "Energetický manažer každý měsíc vyhodnocuje spotřebu, hledá anomálie a navrhuje úsporná opatření."
        ),
        lead="ENV",
        involved=("ICT",),
        area=ThematicArea.ENERGY,
        cost=2_400_000,
        author=PM,
        manager=PM,
        is_public=True,
        start_in_months=-20,
        months=12,
        measures=("1.1.1", "3.1.1"),
        watchers=(COORD, HEAD_ICT),
        stage=Stage.EVALUATION,
        steps=(
            Invite(FIRM, by=PM),
            Move("submit", by=PM),
            Assess(
                by=HEAD_ENV,
                score=84,
                summary="Nízké náklady a rychlá návratnost; podmínka pro další energetické projekty města.",
            ),
            Move("approve_for_funding", by=PM),
            Decide(by=HEAD_ENV),
            Apply(
                Programme.NPO,
                by=PM,
                requested=1_680_000,
                call="NPO – Energetický management obcí",
                status=SUBMITTED,
                deadline_in_days=-560,
            ),
            Award(Programme.NPO, by=PM, amount=1_680_000),
            Apply(Programme.MUNICIPAL_BUDGET, by=PM, requested=720_000, status=APPROVED, approved=720_000),
            Move("start_implementation", by=PM),
            Decide(by=HEAD_ENV),
            Decide(by=COORD),
            AddTask("Osazení měřidel s dálkovým odečtem", by=PM, due_in_days=90, assignee=FIRM_GUEST, status=DONE),
            AddTask(
                "Napojení měřidel na energetický dispečink", by=PM, due_in_days=150, assignee=HEAD_ICT, status=DONE
            ),
            AddTask("Školení správců budov", by=PM, due_in_days=200, status=DONE),
            AddKpi("Úspora energie v budovách", by=PM, kind=ENERGY, carrier=HEAT, sector=MUNICIPAL, target=180),
            AddKpi("Snížení emisí CO₂", by=PM, kind=CO2, target=150),
            AddKpi("Budovy s dálkovým odečtem", by=PM, unit="budov", target=24),
            Move("finish_implementation", by=PM),
            Decide(by=HEAD_ENV),
            RecordKpi("Úspora energie v budovách", by=PM, actual=205),
            RecordKpi("Snížení emisí CO₂", by=PM, actual=171),
            RecordKpi("Budovy s dálkovým odečtem", by=PM, actual=24),
            Evaluate(
                by=PM,
                summary=(
                    "Za první rok klesla spotřeba energií v budovách o 205 MWh; nejvíc ušetřila regulace "
                    "vytápění škol mimo vyučování. Dvě anomálie odhalily skryté úniky vody."
                ),
            ),
            Remark(by=PM, body="Vyhodnocení je hotové, @coordinator prosím o uzavření projektu."),
            Move("complete", by=PM, comment="Všechny KPI mají skutečné hodnoty, vyhodnocení je zapsané."),
        ),
    ),
    ProjectStory(
        municipality=VZOROV,
        title="Chytré odpadové nádoby s čidly naplněnosti",
        summary="Čidla naplněnosti ve 120 kontejnerech na tříděný odpad a optimalizace svozových tras.",
        description=(
            "Kontejnery na plast, papír a sklo dostaly ultrazvuková čidla naplněnosti. Svozová firma jezdí "
            "jen k plným nádobám podle optimalizovaných tras a občané v mobilní aplikaci vidí, kde je volné "
            "místo. Spolek Zelená Vzorov vede osvětovou kampaň ke třídění odpadu."
        ),
        lead="ENV",
        area=ThematicArea.ENVIRONMENT,
        cost=1_850_000,
        author=PM,
        manager=PM,
        is_public=True,
        start_in_months=-14,
        months=9,
        measures=("1.3.1", "3.2.1"),
        watchers=(COORD, NGO_GUEST),
        stage=Stage.EVALUATION,
        steps=(
            Invite(NGO, by=PM),
            Move("submit", by=PM),
            Assess(by=HEAD_ENV, score=68, summary="Úspora nákladů na svoz i emisí; ověříme pilotně na 120 nádobách."),
            Move("approve_for_funding", by=PM),
            Decide(by=HEAD_ENV),
            Apply(
                Programme.MUNICIPAL_BUDGET,
                by=PM,
                requested=1_850_000,
                call="Rozpočet města – odpadové hospodářství",
                status=APPROVED,
                approved=1_850_000,
                note="Kryto z úspor na svozu za minulé dva roky.",
            ),
            Move("start_implementation", by=PM),
            Decide(by=HEAD_ENV),
            Decide(by=COORD),
            AddTask("Osazení čidel do kontejnerů", by=PM, due_in_days=60, status=DONE),
            AddTask("Osvětová kampaň ke třídění odpadu", by=PM, due_in_days=120, assignee=NGO_GUEST, status=DONE),
            AddTask("Zobrazení naplněnosti v mobilní aplikaci", by=PM, due_in_days=150, assignee=HEAD_ICT, status=DONE),
            AddKpi("Svozy tříděného odpadu", by=PM, unit="svozů/rok", baseline=5200, target=3900),
            AddKpi("Snížení emisí CO₂ ze svozu", by=PM, kind=CO2, target=18),
            Move("finish_implementation", by=PM),
            Decide(by=HEAD_ENV),
            RecordKpi("Svozy tříděného odpadu", by=PM, actual=4050),
            Remark(
                by=NGO_GUEST,
                shared=True,
                body="Kampaň oslovila 14 škol a zhruba 3 000 domácností, fotky z akcí jsou ve sdílené složce.",
            ),
            Remark(
                by=PM,
                body="Emise ze svozu dopočítám z dat svozové firmy za celý rok, @head.env vyhodnocení dodám v březnu.",
            ),
        ),
    ),
    ProjectStory(
        municipality=VZOROV,
        title="Sdílená kola a elektrokola Vzorov",
        summary="Bikesharing se 150 koly a 40 elektrokoly na 30 virtuálních stanicích, propojený s jízdenkou MHD.",
        description=(
            "Sdílená kola doplňují městskou hromadnou dopravu na krátkých cestách mezi nádražím, centrem "
            "a průmyslovou zónou. Provozovatel zajišťuje servis a přerozdělování kol, město vymezilo "
            "virtuální stanice a držitelé předplatní jízdenky MHD mají prvních 30 minut jízdy zdarma."
        ),
        lead="TRA",
        involved=("ENV",),
        area=ThematicArea.MOBILITY,
        cost=3_200_000,
        author=HEAD_TRA,
        manager=STAFF,
        is_public=True,
        start_in_months=-16,
        months=8,
        measures=("2.2.1",),
        watchers=(COORD, NGO_GUEST),
        stage=Stage.EVALUATION,
        steps=(
            Invite(NGO, by=HEAD_TRA),
            Move("submit", by=HEAD_TRA),
            Assess(by=HEAD_TRA, score=77, summary="Ověřený model z jiných měst, silná podpora veřejnosti."),
            Move("approve_for_funding", by=STAFF),
            Decide(by=HEAD_TRA),
            Apply(
                Programme.IROP,
                by=HEAD_TRA,
                requested=2_720_000,
                call="IROP – Udržitelná mobilita, cyklodoprava",
                status=SUBMITTED,
                deadline_in_days=-450,
            ),
            Award(Programme.IROP, by=HEAD_TRA, amount=2_720_000),
            Apply(Programme.MUNICIPAL_BUDGET, by=HEAD_TRA, requested=480_000, status=APPROVED, approved=480_000),
            Move("start_implementation", by=STAFF),
            Decide(by=HEAD_TRA),
            Decide(by=COORD),
            AddTask("Vymezení virtuálních stanic", by=HEAD_TRA, due_in_days=30, assignee=STAFF, status=DONE),
            AddTask("Smlouva s provozovatelem bikesharingu", by=HEAD_TRA, due_in_days=60, status=DONE),
            AddTask("Zahajovací vyjížďka pro veřejnost", by=HEAD_TRA, due_in_days=90, assignee=NGO_GUEST, status=DONE),
            AddKpi("Výpůjčky kol", by=HEAD_TRA, unit="výpůjček/rok", target=40_000),
            AddKpi("Snížení emisí CO₂", by=HEAD_TRA, kind=CO2, target=35),
            Move("finish_implementation", by=STAFF),
            Decide(by=HEAD_TRA),
            RecordKpi("Výpůjčky kol", by=HEAD_TRA, actual=46_500),
            RecordKpi("Snížení emisí CO₂", by=HEAD_TRA, actual=38),
            Remark(
                by=HEAD_TRA,
                body="První sezóna je nad plánem, @pm.novak připravíš prosím vyhodnocení pro radu města?",
            ),
        ),
    ),
    # ---------------------------------------------------------------- implementation
    ProjectStory(
        municipality=VZOROV,
        title="Fotovoltaické elektrárny na střechách základních škol",
        summary="FVE o celkovém výkonu 180 kWp s bateriemi na ZŠ Komenského a ZŠ Nádražní.",
        description=(
            "Na střechách dvou základních škol vzniknou fotovoltaické elektrárny s bateriovým úložištěm. "
            "Vyrobená elektřina pokryje většinu denní spotřeby škol a přebytky se budou sdílet do dalších "
            "budov města. Žáci uvidí data o výrobě na výukovém panelu ve vestibulu."
        ),
        lead="ENV",
        involved=("ICT",),
        area=ThematicArea.ENERGY,
        cost=9_800_000,
        author=PM,
        manager=PM,
        is_public=True,
        start_in_months=-4,
        months=10,
        measures=("1.2.1", "1.1.1"),
        watchers=(COORD,),
        stage=Stage.IMPLEMENTATION,
        steps=(
            Invite(FIRM, by=PM),
            Invite(NGO, by=PM, access=VIEW),
            InviteGuest(by=PM, email="technik@energosmart.example", organization=FIRM),
            Attach(
                by=PM,
                name="Střechy ZŠ – statické posouzení.txt",
                content=(
                    "Statické posouzení střech ZŠ Komenského a ZŠ Husova\n\n"
                    "Nosnost střešních konstrukcí vyhovuje přitížení 25 kg/m² (panely, konstrukce, zatížení sněhem).\n"
                    "Doporučení: kotvení přes přitížení, bez průniků hydroizolací.\n"
                ),
                shared=True,
            ),
            Attach(
                by=PM,
                name="Rozpočet FVE – interní.csv",
                content=(
                    "položka;částka Kč\n"
                    "panely a střídače;4 120 000\n"
                    "montáž a kotvení;1 480 000\n"
                    "rezerva (interní, nesdílet);420 000\n"
                ),
            ),
            Move("submit", by=PM),
            Assess(
                by=HEAD_ENV, score=81, summary="Statika střech vyhovuje, návratnost 8 let, vysoká vlastní spotřeba."
            ),
            Move("approve_for_funding", by=PM),
            Decide(by=HEAD_ENV),
            Apply(
                Programme.MODERNISATION_FUND,
                by=PM,
                requested=6_860_000,
                call="Modernizační fond – RES+, FVE pro veřejné budovy",
                status=SUBMITTED,
                deadline_in_days=-150,
                note="Hodnotitel SFŽP požadoval doložit souhlas distributora s připojením.",
            ),
            Award(Programme.MODERNISATION_FUND, by=PM, amount=6_860_000),
            Apply(
                Programme.MUNICIPAL_BUDGET,
                by=PM,
                requested=2_940_000,
                call="Rozpočet města – spolufinancování investic",
                status=APPROVED,
                approved=2_940_000,
            ),
            Move("start_implementation", by=PM, comment="Dotace je schválená, dodavatel vybraný."),
            Decide(by=HEAD_ENV),
            Decide(by=COORD),
            AddTask("Statické posouzení střech obou škol", by=PM, due_in_days=10, status=DONE),
            AddTask("Výběr dodavatele FVE", by=PM, due_in_days=30, status=DONE),
            AddTask("Montáž FVE na ZŠ Komenského", by=PM, due_in_days=120, assignee=FIRM_GUEST, status=IN_PROGRESS),
            AddTask("Montáž FVE na ZŠ Nádražní", by=PM, due_in_days=180, assignee=FIRM_GUEST),
            AddTask(
                "Žádost o připojení k distribuční soustavě", by=PM, due_in_days=150, assignee=PM, status=IN_PROGRESS
            ),
            AddTask("Výukový panel s daty o výrobě", by=PM, due_in_days=240, assignee=HEAD_ICT),
            AddKpi(
                "Vyrobená a spotřebovaná elektřina",
                by=PM,
                kind=RENEWABLE,
                carrier=ELECTRICITY,
                sector=LOCAL_ELECTRICITY,
                target=170,
            ),
            AddKpi("Snížení emisí CO₂", by=PM, kind=CO2, target=145),
            Remark(
                by=FIRM_GUEST,
                shared=True,
                body="Montáž na ZŠ Komenského začne v pondělí, prosíme o zajištění přístupu na střechu.",
            ),
            Remark(by=PM, shared=True, body="@partner.firm přístup je zajištěný, klíče má školník pan Bartoš."),
            Remark(by=HEAD_ENV, body="Pozor na lhůtu pro připojení, @pm.novak ohlídej prosím termín u distributora."),
        ),
    ),
    ProjectStory(
        municipality=VZOROV,
        title="Detekce úniků ve vodovodní síti",
        summary="Akustická čidla a chytré vodoměry ve 12 zónách vodovodu pro rychlé nalezení úniků.",
        description=(
            "Ztráty pitné vody ve vodovodní síti města dosahují 18 %. Projekt rozdělí síť na 12 měrných "
            "zón, osadí akustická čidla na armatury a chytré vodoměry na vstupy zón. Aplikace upozorní na "
            "pravděpodobný únik dřív, než se projeví na povrchu."
        ),
        lead="ENV",
        involved=("ICT",),
        area=ThematicArea.ENVIRONMENT,
        cost=4_200_000,
        author=PM,
        manager=PM,
        is_public=True,
        start_in_months=-3,
        months=12,
        measures=("1.3.1",),
        watchers=(COORD, HEAD_ICT),
        stage=Stage.IMPLEMENTATION,
        steps=(
            Invite(FIRM, by=PM),
            Move("submit", by=PM),
            Assess(
                by=HEAD_ENV,
                score=72,
                summary="Ztráty vody jsou nad průměrem ČR; nutná spolupráce s provozovatelem vodovodu.",
            ),
            Move("approve_for_funding", by=PM),
            Decide(by=HEAD_ENV),
            Move("put_on_hold", by=PM, comment="Čekáme na stanovisko provozovatele vodovodu k osazení čidel."),
            Decide(by=HEAD_ENV),
            Remark(by=HEAD_ENV, body="Provozovatel souhlasí, @pm.novak můžeš požádat o obnovení projektu."),
            Move("resume", by=PM, comment="Provozovatel vodovodu vydal souhlasné stanovisko."),
            Decide(by=COORD),
            Apply(
                Programme.OP_ZP,
                by=PM,
                requested=2_940_000,
                call="OP ŽP – Snižování ztrát vody ve vodovodech",
                status=SUBMITTED,
                deadline_in_days=-120,
            ),
            Award(Programme.OP_ZP, by=PM, amount=2_940_000),
            Apply(Programme.MUNICIPAL_BUDGET, by=PM, requested=1_260_000, status=APPROVED, approved=1_260_000),
            Move("start_implementation", by=PM),
            Decide(by=HEAD_ENV),
            Decide(by=COORD),
            AddTask("Rozdělení sítě do měrných zón", by=PM, due_in_days=30, assignee=FIRM_GUEST, status=DONE),
            AddTask(
                "Osazení akustických čidel – zóny 1–6",
                by=PM,
                due_in_days=90,
                assignee=FIRM_GUEST,
                status=IN_PROGRESS,
            ),
            AddTask("Osazení akustických čidel – zóny 7–12", by=PM, due_in_days=150, assignee=FIRM_GUEST),
            AddTask("Napojení dat do GIS města", by=PM, due_in_days=160, assignee=HEAD_ICT),
            AddKpi("Ztráty vody ve vodovodní síti", by=PM, unit="%", baseline=18, target=12),
            AddKpi("Ušetřená pitná voda", by=PM, unit="m³/rok", target=45_000),
            Remark(
                by=FIRM_GUEST,
                shared=True,
                body="V zóně 3 čidla zachytila podezřelý šum v ulici Lipová, doporučujeme kontrolu korelátorem.",
            ),
        ),
    ),
    ProjectStory(
        municipality=VZOROV,
        title="Renovace městských bytových domů Polní 12–16",
        summary="Zateplení, nová okna a tepelná čerpadla ve třech městských bytových domech se 48 byty.",
        description=(
            "Tři panelové domy v Polní ulici patří městu a mají nejvyšší náklady na teplo ze všech "
            "městských bytů. Renovace zahrnuje zateplení obálky, výměnu oken, tepelná čerpadla a "
            "fotovoltaiku pro společné prostory. Nájemníkům klesnou zálohy na teplo."
        ),
        lead="ENV",
        area=ThematicArea.ENERGY,
        cost=14_600_000,
        author=PM,
        manager=PM,
        is_public=True,
        start_in_months=-6,
        months=14,
        measures=("1.1.1", "1.2.1"),
        watchers=(COORD,),
        stage=Stage.IMPLEMENTATION,
        steps=(
            Invite(FIRM, by=PM),
            Move("submit", by=PM),
            Assess(by=HEAD_ENV, score=80, summary="Vysoká úspora tepla, podpora NZÚ pro bytové domy je dostupná."),
            Move("approve_for_funding", by=PM),
            Decide(by=HEAD_ENV),
            Apply(
                Programme.NZU,
                by=PM,
                requested=6_900_000,
                call="Nová zelená úsporám – bytové domy",
                status=SUBMITTED,
                deadline_in_days=-200,
                note="Podpora se vyplácí až po doložení dokončení; předfinancuje město.",
            ),
            Award(Programme.NZU, by=PM, amount=6_900_000),
            Apply(
                Programme.MUNICIPAL_BUDGET,
                by=PM,
                requested=7_700_000,
                call="Fond bydlení města",
                status=APPROVED,
                approved=7_700_000,
                note="Část kryje úvěr SFPI, splátky z nájemného.",
            ),
            Move("start_implementation", by=PM),
            Decide(by=HEAD_ENV),
            Decide(by=COORD),
            AddTask("Informování nájemníků o průběhu prací", by=PM, due_in_days=7, status=DONE),
            AddTask("Zateplení domu Polní 12", by=PM, due_in_days=90, assignee=FIRM_GUEST, status=DONE),
            AddTask("Zateplení domů Polní 14 a 16", by=PM, due_in_days=200, assignee=FIRM_GUEST, status=IN_PROGRESS),
            AddTask("Instalace tepelných čerpadel", by=PM, due_in_days=300, assignee=FIRM_GUEST),
            AddKpi("Úspora tepla", by=PM, kind=ENERGY, carrier=HEAT, sector=RESIDENTIAL, target=520),
            AddKpi("Snížení emisí CO₂", by=PM, kind=CO2, target=140),
            Remark(
                by=PM,
                shared=True,
                body="@partner.firm nájemníci domu Polní 14 prosí o posun prací na fasádě o týden kvůli svatbě.",
            ),
            Remark(by=FIRM_GUEST, shared=True, body="Rozumíme, lešení na Polní 14 postavíme až v pondělí za týden."),
        ),
    ),
    ProjectStory(
        municipality=VZOROV,
        title="Bezpečné přechody pro chodce u škol",
        summary="Aktivní osvětlení a výstražné LED prvky s detekcí chodce na 8 rizikových přechodech.",
        description=(
            "Na osmi přechodech u škol a zastávek dochází k nejvíce střetům s chodci. Přechody dostanou "
            "nasvětlení, LED prvky v obrubníku a výstražnou tabuli, která se rozsvítí, když radar zachytí "
            "chodce. Projekt navrhl referent odboru dopravy na základě nehodových dat policie."
        ),
        lead="TRA",
        area=ThematicArea.SAFETY,
        cost=1_600_000,
        author=STAFF,
        manager=STAFF,
        is_public=True,
        start_in_months=-2,
        months=6,
        measures=("2.1.1",),
        watchers=(STAFF,),
        stage=Stage.IMPLEMENTATION,
        steps=(
            Move("submit", by=STAFF),
            Assess(by=HEAD_TRA, score=82, summary="Jasný bezpečnostní přínos podložený nehodovými daty."),
            Move("approve_for_funding", by=STAFF),
            Decide(by=HEAD_TRA),
            Apply(
                Programme.SFDI,
                by=HEAD_TRA,
                requested=1_120_000,
                call="SFDI – Zvýšení bezpečnosti nemotorové dopravy",
                status=SUBMITTED,
                deadline_in_days=-100,
            ),
            Award(Programme.SFDI, by=HEAD_TRA, amount=1_120_000),
            Apply(Programme.MUNICIPAL_BUDGET, by=HEAD_TRA, requested=480_000, status=APPROVED, approved=480_000),
            Move("start_implementation", by=STAFF),
            Decide(by=HEAD_TRA),
            Decide(by=COORD),
            AddTask("Dopravně-inženýrské posouzení přechodů", by=HEAD_TRA, due_in_days=10, assignee=STAFF, status=DONE),
            AddTask(
                "Instalace na přechodech u ZŠ Komenského",
                by=HEAD_TRA,
                due_in_days=60,
                assignee=STAFF,
                status=IN_PROGRESS,
            ),
            AddTask("Instalace na ostatních přechodech", by=HEAD_TRA, due_in_days=120, assignee=STAFF),
            AddKpi("Nehody s chodci na vybraných přechodech", by=HEAD_TRA, unit="nehod/rok", baseline=7, target=2),
        ),
    ),
    ProjectStory(
        municipality=VZOROV,
        title="Elektronické formuláře a podání pro občany",
        summary="Třicet nejčastějších agend úřadu jako chytré formuláře s přihlášením přes identitu občana.",
        description=(
            "Občané dnes musí na úřad kvůli poplatkům, záborům nebo přihlášení psa osobně. Projekt převede "
            "třicet nejčastějších agend na chytré elektronické formuláře s přihlášením přes identitu "
            "občana, online platbou a napojením na spisovou službu úřadu."
        ),
        lead="ICT",
        area=ThematicArea.ICT,
        cost=1_900_000,
        author=HEAD_ICT,
        manager=PM,
        is_public=True,
        start_in_months=-5,
        months=12,
        measures=("3.1.1",),
        watchers=(COORD,),
        stage=Stage.IMPLEMENTATION,
        steps=(
            Move("submit", by=HEAD_ICT),
            Assess(
                by=HEAD_ICT, score=83, summary="Ušetří čas občanům i úředníkům; soulad s právem na digitální služby."
            ),
            Move("approve_for_funding", by=PM),
            Decide(by=HEAD_ICT),
            Apply(
                Programme.IROP,
                by=HEAD_ICT,
                requested=1_615_000,
                call="IROP – eGovernment a kybernetická bezpečnost",
                status=SUBMITTED,
                deadline_in_days=-180,
            ),
            Award(Programme.IROP, by=HEAD_ICT, amount=1_615_000),
            Apply(Programme.MUNICIPAL_BUDGET, by=HEAD_ICT, requested=285_000, status=APPROVED, approved=285_000),
            Move("start_implementation", by=PM),
            Decide(by=HEAD_ICT),
            Decide(by=COORD),
            AddTask("Analýza 30 nejčastějších agend", by=HEAD_ICT, due_in_days=20, status=DONE),
            AddTask("Formuláře pro poplatky za odpad a psy", by=HEAD_ICT, due_in_days=90, status=IN_PROGRESS),
            AddTask("Formulář pro zábor veřejného prostranství", by=HEAD_ICT, due_in_days=120, assignee=STAFF),
            AddTask("Napojení na Portál občana", by=HEAD_ICT, due_in_days=150),
            AddKpi("Podíl elektronických podání", by=HEAD_ICT, unit="%", baseline=12, target=40),
            Remark(
                by=STAFF,
                body="Formulář pro zábor potřebuje mapový podklad s pasportem komunikací, @head.ict pošlu ho zítra.",
            ),
        ),
    ),
    # ---------------------------------------------------------------- funding
    ProjectStory(
        municipality=VZOROV,
        title="Tepelná čerpadla v MŠ Sluníčko",
        summary="Náhrada dožívající plynové kotelny mateřské školy tepelnými čerpadly vzduch–voda.",
        description=(
            "Plynová kotelna MŠ Sluníčko je na konci životnosti. Projekt ji nahradí kaskádou dvou "
            "tepelných čerpadel vzduch–voda s elektrokotlem jako záložním zdrojem a doplní regulaci "
            "vytápění po místnostech. Práce musí proběhnout o letních prázdninách."
        ),
        lead="ENV",
        area=ThematicArea.ENERGY,
        cost=3_600_000,
        author=PM,
        manager=PM,
        start_in_months=2,
        months=6,
        measures=("1.1.1", "1.2.1"),
        watchers=(COORD,),
        stage=Stage.FUNDING,
        steps=(
            Invite(FIRM, by=PM, access=VIEW),
            Move("submit", by=PM),
            Assess(
                by=HEAD_ENV,
                score=76,
                summary=(
                    "Energetický posudek doporučuje, návratnost 11 let; nutná výměna otopných těles ve dvou třídách."
                ),
            ),
            Move("approve_for_funding", by=PM),
            Decide(by=HEAD_ENV),
            Apply(
                Programme.OP_ZP,
                by=PM,
                requested=2_520_000,
                call="OP ŽP – Energetické úspory veřejných budov",
                status=SUBMITTED,
                deadline_in_days=-60,
                note="Hodnocení žádosti proběhlo bez připomínek.",
            ),
            Award(Programme.OP_ZP, by=PM, amount=2_520_000),
            Apply(Programme.MUNICIPAL_BUDGET, by=PM, requested=1_080_000, status=APPROVED, approved=1_080_000),
            AddTask("Aktualizace projektové dokumentace", by=PM, due_in_days=10, assignee=PM, status=IN_PROGRESS),
            Move("start_implementation", by=PM, comment="Dotace OP ŽP je schválená, realizace o prázdninách."),
            Decide(by=HEAD_ENV, comment="Souhlasím, termín o prázdninách je nutný."),
            Remark(
                by=PM,
                body="@coordinator čeká se na tvé schválení, dodavatel potřebuje potvrzení do konce měsíce.",
            ),
        ),
    ),
    ProjectStory(
        municipality=VZOROV,
        title="Kybernetická bezpečnost úřadu (NIS2)",
        summary="Dohled nad bezpečností sítě úřadu, zálohování mimo budovu a školení zaměstnanců.",
        description=(
            "Nový zákon o kybernetické bezpečnosti se vztahuje i na město. Projekt zavede bezpečnostní "
            "dohled (SOC) nad sítí úřadu, oddělené zálohování mimo budovu, vícefaktorové přihlašování a "
            "pravidelná školení zaměstnanců proti phishingu."
        ),
        lead="ICT",
        area=ThematicArea.SAFETY,
        cost=2_800_000,
        author=HEAD_ICT,
        manager=PM,
        start_in_months=2,
        months=10,
        measures=("3.1.1",),
        stage=Stage.FUNDING,
        steps=(
            Move("submit", by=HEAD_ICT),
            Assess(by=HEAD_ICT, score=86, summary="Zákonná povinnost; výpadek úřadu by ochromil agendy občanů."),
            Move("approve_for_funding", by=PM),
            Decide(by=HEAD_ICT),
            Apply(
                Programme.NPO,
                by=HEAD_ICT,
                requested=1_960_000,
                call="NPO – Kybernetická bezpečnost obcí",
                status=SUBMITTED,
                deadline_in_days=-45,
            ),
            Award(Programme.NPO, by=HEAD_ICT, amount=1_960_000),
            Apply(Programme.MUNICIPAL_BUDGET, by=HEAD_ICT, requested=840_000, status=APPROVED, approved=840_000),
            Move("start_implementation", by=PM, comment="Dotace je schválená, dodavatel SOC vybraný."),
            Decide(by=HEAD_ICT),
            Remark(
                by=HEAD_ICT,
                body="@coordinator prosím o schválení, smlouvu s dodavatelem SOC musíme podepsat do konce čtvrtletí.",
            ),
        ),
    ),
    ProjectStory(
        municipality=VZOROV,
        title="Síť veřejných nabíjecích stanic pro elektromobily",
        summary="12 nabíjecích stanic AC/DC na městských parkovištích s rezervací přes aplikaci.",
        description=(
            "Ve městě chybí veřejné nabíjení pro obyvatele sídlišť bez vlastní garáže. Na dvanácti "
            "městských parkovištích vzniknou nabíjecí stanice, dvě z nich rychlonabíjecí u nádraží a "
            "u obchodní zóny. Část elektřiny pokryjí fotovoltaické přístřešky."
        ),
        lead="TRA",
        involved=("ENV",),
        area=ThematicArea.MOBILITY,
        cost=4_800_000,
        author=PM,
        manager=PM,
        is_public=True,
        start_in_months=5,
        months=8,
        measures=("2.2.1", "1.2.1"),
        watchers=(HEAD_ENV,),
        stage=Stage.FUNDING,
        steps=(
            Invite(FIRM, by=PM),
            Move("submit", by=PM),
            Assess(by=HEAD_TRA, score=71, summary="Poptávka roste, vhodné lokality na městských pozemcích."),
            Move("approve_for_funding", by=PM),
            Decide(by=HEAD_TRA),
            Apply(
                Programme.MODERNISATION_FUND,
                by=PM,
                requested=3_360_000,
                call="Modernizační fond – TRANSGov, nabíjecí infrastruktura",
                status=SUBMITTED,
                deadline_in_days=-20,
                note="Výsledky hodnocení mají být do tří měsíců.",
            ),
            Apply(
                Programme.MUNICIPAL_BUDGET,
                by=PM,
                requested=1_440_000,
                call="Rozpočet města – návrh na příští rok",
                note="Záleží na schválení rozpočtu v prosinci.",
            ),
            AddTask(
                "Ověření kapacity přípojek s distributorem",
                by=PM,
                due_in_days=15,
                assignee=FIRM_GUEST,
                status=IN_PROGRESS,
            ),
            Remark(
                by=FIRM_GUEST,
                shared=True,
                body="Distributor potvrdil příkon pro 8 z 12 lokalit, u zbývajících navrhujeme posílit trafostanici.",
            ),
        ),
    ),
    ProjectStory(
        municipality=VZOROV,
        title="Inteligentní řízení křižovatek s preferencí MHD",
        summary="Adaptivní řízení 6 světelných křižovatek na průtahu městem s preferencí autobusů a IZS.",
        description=(
            "Průtah silnice I. třídy městem je ve špičce přetížený a autobusy MHD nabírají zpoždění. "
            "Šest světelných křižovatek dostane detektory a adaptivní řízení, autobusy a vozidla IZS si "
            "budou moci vyžádat zelenou. Projekt využije data ze sčítačů dopravy."
        ),
        lead="TRA",
        involved=("ICT",),
        area=ThematicArea.MOBILITY,
        cost=9_800_000,
        author=HEAD_TRA,
        manager=STAFF,
        is_public=True,
        start_in_months=9,
        months=12,
        measures=("2.1.1",),
        watchers=(HEAD_ICT,),
        stage=Stage.FUNDING,
        steps=(
            Move("submit", by=HEAD_TRA),
            Assess(by=HEAD_TRA, score=66, summary="Zkrátí jízdní doby MHD, nutná koordinace s ŘSD."),
            Move("approve_for_funding", by=STAFF),
            Decide(by=HEAD_TRA),
            Move(
                "return_to_assessment",
                by=STAFF,
                comment="Rozpočet nepočítá s výměnou řadičů na dvou křižovatkách, je nutné náklady přepočítat.",
            ),
            Decide(by=HEAD_TRA),
            Edit(by=HEAD_TRA, changes={"estimated_cost": Decimal(12_000_000)}),
            Assess(by=HEAD_TRA, score=70, summary="Po přepočtu včetně výměny řadičů stále výhodné, ŘSD souhlasí."),
            Move("approve_for_funding", by=STAFF, comment="Náklady přepočítány včetně řadičů."),
            Decide(by=HEAD_TRA),
            Apply(
                Programme.IROP,
                by=HEAD_TRA,
                requested=10_200_000,
                call="IROP – Inteligentní dopravní systémy",
                deadline_in_days=45,
                note="Spolufinancování 15 % je třeba zařadit do rozpočtu na příští rok.",
            ),
            Remark(
                by=HEAD_ICT,
                body="Řadiče musí komunikovat s dispečinkem MHD, @head.transport pošlu požadavky na rozhraní.",
            ),
        ),
    ),
    # ---------------------------------------------------------------- assessment
    ProjectStory(
        municipality=VZOROV,
        title="Chytré parkování v centru města",
        summary="Senzory obsazenosti 420 parkovacích míst, navigace na volná místa a placení mobilem.",
        description=(
            "Hledání volného místa tvoří v centru až třetinu dopravy. Projekt osadí senzory na parkovací "
            "místa v centru a u nádraží, zobrazí obsazenost na informačních tabulích a v aplikaci a umožní "
            "platit parkovné mobilem. Data poslouží k úpravě regulace parkování."
        ),
        lead="TRA",
        involved=("ICT",),
        area=ThematicArea.MOBILITY,
        cost=5_400_000,
        author=STAFF,
        manager=PM,
        is_public=True,
        start_in_months=6,
        months=10,
        measures=("2.1.1", "3.1.1"),
        watchers=(COORD, HEAD_ICT),
        stage=Stage.ASSESSMENT,
        steps=(
            Move("submit", by=PM),
            Assess(
                by=PM,
                score=74,
                summary="Velký přínos pro centrum, ověřená technologie, provozní náklady kryje parkovné.",
            ),
            Apply(
                Programme.IROP,
                by=PM,
                requested=3_780_000,
                call="IROP – Inteligentní dopravní systémy",
                deadline_in_days=60,
                note="Žádost připravuje externí dotační poradce za 60 000 Kč.",
            ),
            Remark(
                by=PM,
                body=(
                    "@head.transport posouzení je hotové, prosím o schválení do financování, "
                    "výzva IROP končí za dva měsíce."
                ),
            ),
            Move("approve_for_funding", by=PM, comment="Posouzení je zapsané, stihneme výzvu IROP."),
        ),
    ),
    ProjectStory(
        municipality=VZOROV,
        title="Zelené střechy a hospodaření se srážkovou vodou",
        summary="Extenzivní zelené střechy na třech budovách města a nádrže na dešťovou vodu pro zálivku.",
        description=(
            "Zelené střechy na budově úřadu, knihovně a ZŠ Komenského zadrží srážky, ochladí budovy v létě "
            "a prodlouží životnost hydroizolace. Dešťová voda ze střech se bude jímat do podzemních nádrží "
            "a používat na zálivku městské zeleně."
        ),
        lead="ENV",
        area=ThematicArea.ENVIRONMENT,
        cost=6_500_000,
        author=PM,
        manager=PM,
        start_in_months=8,
        months=10,
        measures=("1.3.1", "1.1.1"),
        stage=Stage.ASSESSMENT,
        steps=(
            Move("submit", by=PM),
            Assess(by=HEAD_ENV, score=58, summary="Přínos pro klima ve městě, ale náklady nejsou ověřené statikem."),
            Move(
                "approve_for_funding", by=PM, comment="Prosím o schválení, výzva OP ŽP na adaptační opatření se blíží."
            ),
            Decide(
                by=HEAD_ENV,
                approve=False,
                comment=(
                    "Chybí statické posouzení střech a hydrotechnický výpočet, bez nich nelze náklady ověřit. "
                    "Doplňte je a požádejte znovu."
                ),
            ),
            AddTask(
                "Statické posouzení střech úřadu, knihovny a ZŠ Komenského",
                by=PM,
                due_in_days=14,
                assignee=PM,
                status=IN_PROGRESS,
            ),
            Remark(by=PM, body="Statik přijde příští týden a posudek dodá do měsíce, @head.env pak požádám znovu."),
        ),
    ),
    ProjectStory(
        municipality=VZOROV,
        title="Aplikace pro participativní rozpočet",
        summary="Online podávání a hlasování o návrzích občanů v participativním rozpočtu města.",
        description=(
            "Město vyčlení každý rok 2 miliony korun na projekty navržené občany. Aplikace umožní podávat "
            "návrhy s mapou a fotografiemi, zveřejní posouzení proveditelnosti úřadem a zajistí hlasování "
            "s ověřením trvalého pobytu. Spolek Zelená Vzorov pomůže s propagací ve čtvrtích."
        ),
        lead="ICT",
        area=ThematicArea.GOVERNANCE,
        cost=480_000,
        author=COORD,
        manager=HEAD_ICT,
        is_public=True,
        start_in_months=4,
        months=6,
        measures=("3.2.1", "3.1.1"),
        watchers=(COORD, NGO_GUEST),
        stage=Stage.ASSESSMENT,
        steps=(
            Invite(NGO, by=COORD),
            Move("submit", by=COORD),
            AddTask(
                "Průzkum hotových řešení participativního rozpočtu",
                by=HEAD_ICT,
                due_in_days=10,
                assignee=NGO_GUEST,
                status=IN_PROGRESS,
            ),
            Remark(by=NGO_GUEST, shared=True, body="Nabízíme pomoc s propagací hlasování na akcích ve čtvrtích."),
            Remark(by=COORD, shared=True, body="@partner.ngo děkujeme, počítáme s vámi od první výzvy."),
        ),
    ),
    ProjectStory(
        municipality=VZOROV,
        title="Digitální asistent (chatbot) na webu města",
        summary="Chatbot odpovídající na časté dotazy občanů na webu města a v mobilní aplikaci.",
        description=(
            "Chatbot by odpovídal na nejčastější dotazy (otevírací doba, poplatky, svoz odpadu) a "
            "odkazoval na formuláře. Posouzení ukázalo, že dotazů je málo a většinu vyřeší lepší "
            "vyhledávání na webu."
        ),
        lead="ICT",
        area=ThematicArea.ICT,
        cost=350_000,
        author=HEAD_ICT,
        manager=HEAD_ICT,
        start_in_months=6,
        months=4,
        measures=("3.1.1",),
        stage=Stage.ASSESSMENT,
        steps=(
            Move("submit", by=HEAD_ICT),
            Assess(by=HEAD_ICT, score=42, summary="Přínos je nejistý a náklady na údržbu obsahu vysoké."),
            Remark(by=COORD, body="Souhlasím s hodnocením, zkusme nejdřív zlepšit vyhledávání na webu."),
        ),
    ),
    # ---------------------------------------------------------------- idea
    ProjectStory(
        municipality=VZOROV,
        title="Komunitní kompostárna a sběr bioodpadu ze sídlišť",
        summary="Komunitní kompostárna u zahrádkářské kolonie a hnědé nádoby na bioodpad na sídlištích.",
        description=(
            "Bioodpad tvoří třetinu směsného komunálního odpadu. Návrh počítá s komunitní kompostárnou, "
            "kterou bude provozovat spolek Zelená Vzorov, a s hnědými nádobami na sídlištích Jih a Sever. "
            "Kompost poslouží k údržbě městské zeleně."
        ),
        lead="ENV",
        area=ThematicArea.ENVIRONMENT,
        cost=950_000,
        author=PM,
        manager=PM,
        measures=("1.3.1", "3.2.1"),
        watchers=(NGO_GUEST,),
        stage=Stage.IDEA,
        steps=(
            Invite(NGO, by=PM),
            Remark(
                by=NGO_GUEST,
                shared=True,
                body="Spolek může kompostárnu provozovat a zajistit osvětu, máme vyškolené dobrovolníky.",
            ),
            Remark(
                by=PM,
                body="@head.env navrhuji zařadit do posouzení na jaře, až bude hotový plán odpadového hospodářství.",
            ),
        ),
    ),
    ProjectStory(
        municipality=VZOROV,
        title="Komunitní energetika pro městské budovy",
        summary="Energetické společenství pro sdílení elektřiny z městských FVE mezi budovami a byty města.",
        description=(
            "Díky Elektroenergetickému datovému centru může město sdílet elektřinu vyrobenou na svých "
            "střechách mezi školy, úřad a městské bytové domy. Návrh počítá se založením energetického "
            "společenství a s vyhodnocováním toků elektřiny."
        ),
        lead="ENV",
        area=ThematicArea.ENERGY,
        author=HEAD_ENV,
        manager=PM,
        measures=("1.2.1",),
        stage=Stage.IDEA,
        steps=(
            Invite(FIRM, by=HEAD_ENV, access=VIEW),
            Remark(
                by=HEAD_ENV,
                body="Navazuje na FVE na školách, @pm.novak připrav prosím odhad nákladů a právní formu společenství.",
            ),
        ),
    ),
    ProjectStory(
        municipality=VZOROV,
        title="Sčítače dopravy a dopravní model města",
        summary="Radarové sčítače na 10 vjezdech do města a aktualizace dopravního modelu.",
        description=(
            "Dopravní model města je z roku 2012. Sčítače na vjezdech a hlavních křižovatkách by dodávaly "
            "průběžná data o intenzitách dopravy pro plánování, řízení křižovatek i chytré parkování."
        ),
        lead="TRA",
        involved=("ICT",),
        area=ThematicArea.MOBILITY,
        cost=2_100_000,
        author=STAFF,
        manager=HEAD_TRA,
        measures=("2.1.1",),
        stage=Stage.IDEA,
        steps=(
            Remark(
                by=STAFF,
                body="Data ze sčítačů by pomohla i chytrému parkování, @head.transport můžeme to probrat na poradě?",
            ),
        ),
    ),
    ProjectStory(
        municipality=VZOROV,
        title="Senior taxi s online objednávkou",
        summary="Levná přeprava seniorů a lidí se zdravotním postižením k lékaři a na úřad.",
        description=(
            "Senior taxi za symbolických 30 Kč za jízdu by vozilo seniory nad 70 let a držitele průkazu "
            "ZTP k lékaři, na úřad a na nákup. Objednávat by šlo telefonem i online a město by doplácelo "
            "rozdíl provozovateli."
        ),
        lead="TRA",
        area=ThematicArea.SOCIAL,
        cost=600_000,
        author=STAFF,
        manager=HEAD_TRA,
        stage=Stage.IDEA,
        steps=(
            Move("submit", by=STAFF),
            Move(
                "return_to_idea",
                by=COORD,
                comment=(
                    "Je třeba upřesnit provozovatele, ceník a podmínky nároku; doplňte po jednání se sociálním odborem."
                ),
            ),
            Decide(by=HEAD_TRA),
            Remark(by=STAFF, body="Jednání se sociálním odborem je domluvené na příští týden."),
        ),
    ),
    ProjectStory(
        municipality=VZOROV,
        title="Varovný a informační systém obyvatel",
        summary="Bezdrátový rozhlas, SMS a mobilní aplikace pro varování při povodních a haváriích.",
        description=(
            "Při loňské povodni se varování nedostalo včas do místních částí. Návrh spojuje bezdrátový "
            "rozhlas, SMS zprávy a oznámení v mobilní aplikaci do jednoho systému ovládaného z krizového "
            "štábu."
        ),
        lead="ICT",
        involved=("TRA",),
        area=ThematicArea.SAFETY,
        cost=1_300_000,
        author=HEAD_ICT,
        manager=HEAD_ICT,
        measures=("3.1.1",),
        group_measures=((DSO, "1.1"),),
        stage=Stage.IDEA,
        steps=(
            Remark(by=COORD, body="Po loňské povodni je to priorita, @head.ict připrav prosím popis pro posouzení."),
            # Lhota's local parts lie on the same river: its staff work on the project with Vzorov's.
            ShareWith(LHOTA, by=COORD),
            Remark(by=LHOTA_COORD, body="Děkujeme, za Lhotu doplníme seznam míst, kam rozhlas nedosáhne."),
        ),
    ),
    # ---------------------------------------------------------------- on hold
    ProjectStory(
        municipality=VZOROV,
        title="Zateplení a rekuperace v ZŠ Nádražní",
        summary="Zateplení budovy, výměna oken a řízené větrání s rekuperací tepla ve všech třídách.",
        description=(
            "Budova ZŠ Nádražní z roku 1974 má nejvyšší měrnou spotřebu tepla ze všech budov města. "
            "Zateplení fasády a střechy, nová okna a řízené větrání s rekuperací sníží ztráty tepla a "
            "zlepší kvalitu vzduchu ve třídách."
        ),
        lead="ENV",
        area=ThematicArea.ENERGY,
        cost=24_000_000,
        author=PM,
        manager=PM,
        is_public=True,
        start_in_months=10,
        months=14,
        measures=("1.1.1",),
        watchers=(COORD,),
        stage=Stage.ON_HOLD,
        steps=(
            Move("submit", by=PM),
            Assess(
                by=HEAD_ENV, score=79, summary="Největší úspora tepla ze všech budov, bez dotace však nefinancovatelné."
            ),
            Move("approve_for_funding", by=PM),
            Decide(by=HEAD_ENV),
            Apply(
                Programme.OP_ZP,
                by=PM,
                requested=16_800_000,
                call="OP ŽP – Energetické úspory veřejných budov",
                deadline_in_days=120,
                note="Výzva zatím nebyla vyhlášena, čekáme na harmonogram MŽP.",
            ),
            AddKpi("Úspora tepla", by=PM, kind=ENERGY, carrier=GAS, sector=MUNICIPAL, target=410),
            AddKpi("Snížení emisí CO₂", by=PM, kind=CO2, target=95),
            Move(
                "put_on_hold",
                by=HEAD_ENV,
                comment="Pozastaveno do vyhlášení výzvy OP ŽP, bez dotace projekt nelze financovat.",
            ),
            Decide(by=COORD),
        ),
    ),
    ProjectStory(
        municipality=VZOROV,
        title="Digitální technická mapa města",
        summary="Digitální mapa sítí a staveb v území napojená na technickou mapu kraje.",
        description=(
            "Digitální technická mapa sjednotí údaje o inženýrských sítích, komunikacích a stavbách od "
            "správců sítí a zjednoduší vydávání vyjádření ke stavbám."
        ),
        lead="ICT",
        involved=("TRA",),
        area=ThematicArea.ICT,
        cost=3_500_000,
        author=HEAD_ICT,
        manager=HEAD_ICT,
        start_in_months=3,
        months=12,
        measures=("3.1.1",),
        stage=Stage.ON_HOLD,
        steps=(
            Move("submit", by=HEAD_ICT),
            Assess(by=HEAD_ICT, score=64, summary="Potřebné, ale závislé na pravidlech technické mapy kraje."),
            Move(
                "put_on_hold",
                by=HEAD_ICT,
                comment=(
                    "Kraj připravuje jednotnou technickou mapu; počkáme na její pravidla, ať neděláme práci dvakrát."
                ),
            ),
            Decide(by=COORD),
        ),
    ),
    # ---------------------------------------------------------------- rejected
    ProjectStory(
        municipality=VZOROV,
        title="Mobility hub u nádraží (P+R, B+R, sdílená auta)",
        summary="Parkovací dům P+R s úschovnou kol, sdílenými auty a nabíjením u vlakového nádraží.",
        description=(
            "Přestupní uzel u nádraží by nabídl 250 míst P+R, krytou úschovnu kol, stanoviště sdílených "
            "aut a nabíjecí stanice, aby dojíždějící nechávali auta na okraji centra."
        ),
        lead="TRA",
        area=ThematicArea.MOBILITY,
        cost=28_000_000,
        author=HEAD_TRA,
        manager=STAFF,
        is_public=True,
        start_in_months=14,
        months=18,
        measures=("2.2.1",),
        stage=Stage.REJECTED,
        steps=(
            Move("submit", by=HEAD_TRA),
            Assess(by=HEAD_TRA, score=61, summary="Dopravně přínosné, ale pozemky nejsou ve vlastnictví města."),
            Move("approve_for_funding", by=STAFF),
            Decide(by=HEAD_TRA),
            Apply(
                Programme.IROP,
                by=HEAD_TRA,
                requested=23_800_000,
                call="IROP – Přestupní terminály",
                status=SUBMITTED,
                deadline_in_days=-30,
            ),
            Refuse(
                Programme.IROP,
                by=HEAD_TRA,
                note="Žádost nezískala dost bodů: chybí smlouva o budoucím převodu pozemků.",
            ),
            Move(
                "reject",
                by=COORD,
                comment=(
                    "Pozemky u nádraží vlastní Správa železnic a dotace nebyla přiznána; v této podobě projekt "
                    "nelze realizovat. Vrátíme se k němu po dohodě o převodu pozemků."
                ),
            ),
            Decide(by=HEAD_TRA),
        ),
    ),
    ProjectStory(
        municipality=VZOROV,
        title="Bezplatná Wi-Fi na náměstí a v parcích",
        summary="Veřejná Wi-Fi síť na náměstí, v parcích a u sportovišť.",
        description="Bezplatné připojení k internetu na náměstí, v městských parcích a u sportovišť.",
        lead="ICT",
        area=ThematicArea.ICT,
        cost=900_000,
        author=STAFF,
        manager=HEAD_ICT,
        stage=Stage.REJECTED,
        steps=(
            Remark(by=STAFF, body="Na Wi-Fi na náměstí se ptali občané na veřejném projednání."),
            Move(
                "reject",
                by=HEAD_ICT,
                comment=(
                    "Program WiFi4EU skončil, pokrytí mobilními daty je v centru dostatečné a provoz by stál "
                    "180 000 Kč ročně. Nedoporučuji pokračovat."
                ),
            ),
            Decide(by=COORD),
        ),
    ),
)

LHOTA_STORIES = (
    ProjectStory(
        municipality=LHOTA,
        title="Mobilní rozhlas pro občany Lhoty",
        summary="Hlášení obecního rozhlasu jako SMS, e-mail a oznámení v mobilní aplikaci.",
        description=(
            "Obecní rozhlas není slyšet v nových domech za potokem. Občané se mohou zaregistrovat "
            "k odběru hlášení obce v mobilní aplikaci, SMS nebo e-mailem."
        ),
        lead="OU",
        area=ThematicArea.GOVERNANCE,
        cost=96_000,
        author=LHOTA_COORD,
        manager=LHOTA_COORD,
        is_public=True,
        start_in_months=-1,
        months=3,
        measures=("1.2",),
        group_measures=((DSO, "1.1"),),
        stage=Stage.IMPLEMENTATION,
        steps=(
            Move("submit", by=LHOTA_COORD),
            Assess(by=LHOTA_COORD, score=85, summary="Levné a rychle proveditelné, žádají o to občané."),
            Move("approve_for_funding", by=LHOTA_COORD),
            Apply(
                Programme.MUNICIPAL_BUDGET,
                by=LHOTA_COORD,
                requested=96_000,
                call="Rozpočet obce",
                status=APPROVED,
                approved=96_000,
            ),
            Move("start_implementation", by=LHOTA_COORD),
            AddTask("Registrace občanů do aplikace na obecní slavnosti", by=LHOTA_COORD, due_in_days=30),
            AddKpi("Registrovaní občané", by=LHOTA_COORD, unit="osob", target=250),
        ),
    ),
    ProjectStory(
        municipality=LHOTA,
        title="Fotovoltaika na budově obecního úřadu",
        summary="FVE 30 kWp na střeše obecního úřadu a hasičské zbrojnice.",
        description=(
            "Elektřina z fotovoltaiky pokryje spotřebu obecního úřadu, knihovny a hasičské zbrojnice; "
            "přebytky obec nasdílí do mateřské školy."
        ),
        lead="OU",
        area=ThematicArea.ENERGY,
        cost=1_450_000,
        author=LHOTA_COORD,
        manager=LHOTA_COORD,
        start_in_months=5,
        months=4,
        measures=("1.1",),
        stage=Stage.ASSESSMENT,
        steps=(
            Move("submit", by=LHOTA_COORD),
            Assess(by=LHOTA_COORD, score=72, summary="Střecha je po rekonstrukci, návratnost 9 let."),
            Apply(
                Programme.MODERNISATION_FUND,
                by=LHOTA_COORD,
                requested=1_015_000,
                call="Modernizační fond – RES+, FVE pro obce",
                deadline_in_days=90,
            ),
        ),
    ),
    ProjectStory(
        municipality=LHOTA,
        title="Chytré vodoměry v obecních budovách",
        summary="Dálkový odečet vody ve škole, školce a na úřadě pro včasné odhalení úniků.",
        description="Dálkově odečítané vodoměry upozorní na neobvyklou spotřebu, například na protékající záchod.",
        lead="OU",
        area=ThematicArea.ENVIRONMENT,
        cost=85_000,
        author=LHOTA_COORD,
        manager=LHOTA_COORD,
        measures=("1.1",),
        stage=Stage.IDEA,
        steps=(),
    ),
)

STORIES = VZOROV_STORIES + LHOTA_STORIES
