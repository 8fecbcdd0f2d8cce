"""The public side of the demo: each municipality's portal, and what citizens read of its public projects.

Keyed by the story's title (``backend.demo.stories``): the public summary and the place are given when the
project is created, the updates are published by its manager once its story is told, dated ``days_ago``.
"""

from dataclasses import dataclass
from decimal import Decimal

from backend.demo.data import LHOTA, VZOROV

PORTALS = {
    VZOROV: (
        "vzorov",
        "Město Vzorov zveřejňuje své projekty Smart City: co se chystá, kolik stojí, odkud jsou peníze a co "
        "přinesly. Máte vlastní nápad? Napište nám ho.",
    ),
    LHOTA: ("lhota", "Projekty obce Lhota pro chytřejší a úspornější obec."),
}


@dataclass(frozen=True)
class UpdateSpec:
    days_ago: int
    title: str
    body: str


@dataclass(frozen=True)
class PublicProfile:
    summary: str
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    updates: tuple[UpdateSpec, ...] = ()


def _at(latitude: str, longitude: str) -> dict:
    return {"latitude": Decimal(latitude), "longitude": Decimal(longitude)}


PUBLIC_PROFILES = {
    "Modernizace veřejného osvětlení na LED": PublicProfile(
        summary="Ve městě svítí **1 450 nových LED svítidel**. Spotřeba elektřiny na osvětlení klesla o více "
        "než polovinu a poruchy hlásí svítidla sama.",
        address="celé město",
        updates=(
            UpdateSpec(
                400,
                "Začala výměna svítidel",
                "Výměna začíná v ulicích Nádražní a Husova. Omlouváme se za krátká omezení parkování u stožárů.",
            ),
            UpdateSpec(
                120,
                "Hotovo: všechna svítidla vyměněna",
                "Poslední svítidla jsou na místě. První rok provozu ukazuje úsporu **1 190 MWh** elektřiny ročně.",
            ),
        ),
    ),
    "Síť senzorů kvality ovzduší": PublicProfile(
        summary="Dvanáct čidel měří prach a oxid dusičitý; naměřené hodnoty jsou v otevřených datech města.",
        address="Masarykovo náměstí 1, Vzorov",
        **_at("49.400500", "15.590400"),
        updates=(UpdateSpec(200, "Data z čidel jsou veřejná", "Naměřené hodnoty najdete v otevřených datech."),),
    ),
    "Portál otevřených dat města": PublicProfile(
        summary="Rozpočet, smlouvy, doprava a ovzduší jako otevřená data ke stažení.",
        updates=(UpdateSpec(150, "Portál spuštěn", "Na portálu je prvních 24 datových sad."),),
    ),
    "Energetický management veřejných budov": PublicProfile(
        summary="Chytré měření spotřeby energie ve 32 budovách města; úspory se vyhodnocují.",
        updates=(UpdateSpec(30, "Vyhodnocujeme první rok", "Měření běží ve všech budovách, připravujeme zprávu."),),
    ),
    "Sdílená kola a elektrokola Vzorov": PublicProfile(
        summary="120 sdílených kol a 40 elektrokol na 25 stanicích po celém městě.",
        address="Nádražní 1, Vzorov",
        **_at("49.395800", "15.585100"),
        updates=(UpdateSpec(90, "Stanice jsou v provozu", "Kola si půjčíte v aplikaci nebo kartou městské dopravy."),),
    ),
    "Fotovoltaické elektrárny na střechách základních škol": PublicProfile(
        summary="Solární elektrárny na třech základních školách pokryjí třetinu jejich spotřeby elektřiny.",
        address="ZŠ Nádražní 780, Vzorov",
        **_at("49.396700", "15.587900"),
        updates=(
            UpdateSpec(60, "Vybrali jsme dodavatele", "Stavba začne o letních prázdninách, aby nerušila výuku."),
            UpdateSpec(10, "Panely na první škole", "Na ZŠ Nádražní je hotova montáž panelů, následuje revize."),
        ),
    ),
    "Detekce úniků ve vodovodní síti": PublicProfile(
        summary="Akustická čidla na vodovodu najdou úniky dřív, než se projeví na povrchu.",
        updates=(UpdateSpec(25, "Čidla instalována", "V síti je 80 čidel; první dva úniky jsou opraveny."),),
    ),
    "Renovace městských bytových domů Polní 12–16": PublicProfile(
        summary="Zateplení, nová okna a tepelná čerpadla pro 48 městských bytů.",
        address="Polní 12–16, Vzorov",
        **_at("49.402300", "15.596200"),
        updates=(UpdateSpec(15, "Lešení u domu Polní 12", "Práce na fasádě potrvají do konce října."),),
    ),
    "Síť veřejných nabíjecích stanic pro elektromobily": PublicProfile(
        summary="Deset nabíjecích stanic na veřejných parkovištích; čekáme na rozhodnutí o dotaci.",
    ),
    "Chytré parkování v centru města": PublicProfile(
        summary="Čidla na parkovacích místech v centru ukážou volná místa v aplikaci i na tabulích.",
        address="Masarykovo náměstí, Vzorov",
        **_at("49.400900", "15.591000"),
    ),
    "Mobilní rozhlas pro občany Lhoty": PublicProfile(
        summary="Zprávy z obecního rozhlasu také jako SMS a e-mail.",
        updates=(UpdateSpec(20, "Přihlaste se k odběru", "K odběru zpráv se přihlásíte na obecním úřadě."),),
    ),
}


@dataclass(frozen=True)
class IdeaSpec:
    title: str
    description: str
    area: str
    status: str
    answer_state: str = "received"
    answer: str = ""
    place: str = ""
    reason: str = ""  # of a rejection
    # Turned into a project by the coordinator through the service (the project starts as a Námět).
    to_project: bool = False


IDEAS = {
    VZOROV: (
        IdeaSpec(
            "Lavičky a stín na dětském hřišti v Polní",
            "Na hřišti chybí stín, v létě se tam nedá vydržet. Navrhuji stromy a pergolu s lavičkami.",
            "environment",
            "published",
            answer_state="assessing",
            answer="Odbor životního prostředí prověřuje výsadbu stromů.",
            place="Dětské hřiště, Polní",
        ),
        IdeaSpec(
            "Měření rychlosti u základní školy",
            "Auta u ZŠ Nádražní jezdí rychle. Radar s ukazatelem rychlosti by pomohl.",
            "safety",
            "published",
            answer_state="accepted",
            answer="Radar zařadíme do projektu bezpečných přechodů.",
            place="Nádražní 780",
        ),
        IdeaSpec(
            "Sdílená nákladní kola pro obyvatele",
            "Nákladní kolo by se hodilo na nákupy i odvoz bioodpadu.",
            "mobility",
            "published",
            answer_state="not_accepted",
            answer="Sdílená kola provozuje dopravce; nákladní kola zatím nabízet nebude.",
        ),
        IdeaSpec(
            "Solární lampy v parku u rybníka",
            "Cesta kolem rybníka je večer úplně tmavá.",
            "energy",
            "published",
            to_project=True,
            place="Park u rybníka",
        ),
        IdeaSpec("Více kontejnerů na textil", "Kontejnery na textil jsou stále plné.", "environment", "pending"),
        IdeaSpec(
            "Wi-Fi v autobusech",
            "V autobusech MHD by se hodila Wi-Fi.",
            "ict",
            "rejected",
            reason="Wi-Fi v autobusech zajišťuje dopravce, ne město.",
        ),
    ),
}
