"""Real 2021–2027 funding calls for the demo's shared catalogue.

Source of the parameters: Průmyslová ekologie, “Příjem žádostí o dotace v programu RES+ byl zahájen” (March 2024,
https://www.prumyslovaekologie.cz/info/prijem-zadosti-o-dotace-v-programu-res-byl-zahajen), reporting the State
Environmental Fund's calls RES+ 3/2024 and 4/2024 of the Modernisation Fund: applications from 1 March to
31 October 2024, CZK 1 billion each, up to 75 % for small municipalities' public buildings, up to 45 % of the
photovoltaic costs for regions, municipalities and their organisations.
"""

from datetime import date
from decimal import Decimal

from backend.integrations.models import FundingCall

SFZP = "Státní fond životního prostředí ČR"
REAL_CALLS = (
    {
        "programme": "modernisation_fund",
        "number": "RES+ č. 3/2024",
        "name": "Fotovoltaické elektrárny na veřejných budovách v obcích do 3 000 obyvatel",
        "provider": SFZP,
        "opens": date(2024, 3, 1),
        "closes": date(2024, 10, 31),
        "allocation": Decimal("1000000000"),
        "max_support_rate": Decimal("75"),
        "eligible_applicants": "obce do 3 000 obyvatel",
        "url": "https://www.sfzp.cz/dotace-a-pujcky/modernizacni-fond/vyzvy/",
    },
    {
        "programme": "modernisation_fund",
        "number": "RES+ č. 4/2024",
        "name": "Fotovoltaické elektrárny do 1 MWp na budovách a infrastruktuře veřejného sektoru",
        "provider": SFZP,
        "opens": date(2024, 3, 1),
        "closes": date(2024, 10, 31),
        "allocation": Decimal("1000000000"),
        "max_support_rate": Decimal("45"),
        "eligible_applicants": "kraje, obce, církve a jimi zřizované organizace a společnosti",
        "url": "https://www.sfzp.cz/dotace-a-pujcky/modernizacni-fond/vyzvy/",
    },
)


def funding_calls_seed() -> int:
    """Put the real calls into the shared catalogue (again and again the same); return how many are new."""
    created = 0
    for values in REAL_CALLS:
        _call, new = FundingCall.objects.update_or_create(
            municipality=None, programme=values["programme"], number=values["number"], defaults=values
        )
        created += new
    return created
