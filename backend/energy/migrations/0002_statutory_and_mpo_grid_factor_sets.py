"""The shared emission factor sets shipped as data, each value with where it was found.

Statutory set: vyhláška č. 140/2021 Sb., o energetickém auditu, příloha č. 8 (Ekologické hodnocení), the table
of CO₂ emission factors in t CO₂/MWh. The published text is at https://www.tzb-info.cz/pravni-predpisy/vyhlaska-c-140-2021-sb-o-energetickem-auditu
("Vyhláška č. 140/2021 Sb. o energetickém auditu", Sbírka zákonů částka 55/2021, effective 1 April 2021). The
annex table itself could not be read when these values were entered: every value below comes from a secondary
transcription of that table (an energy-audit tool's source code quoting "příloha 8 vyhl. 140/2021 Sb."), so each
is stored with ``is_confirmed=False`` until someone checks it against the published annex. The annex gives no
factor for district heat or biomass here: district heat takes the supplier's factor (a town's own set).

Grid-average electricity factors: Ministry of Industry and Trade (MPO), "Hodnota emisního faktoru CO₂ z výroby
elektřiny", published 8 April 2021, table "Rok – t CO₂/MWh", as reproduced in TZB-info, "Český emisní faktor CO₂
výroby elektřiny v letech 2010–2020 a aktuální stav v Německu" (June 2021),
https://www.tzb-info.cz/energeticka-narocnost-budov/22337-cesky-emisni-faktor-co2-vyroby-elektriny-v-letech-2010-2020-a-aktualni-stav-v-nemecku
The 2020 value is marked there as preliminary (předběžná hodnota) and is stored unconfirmed. These are shared
reference sets, not statutory: KPIs use them only where a town adopts them as its own.
"""

import datetime
from decimal import Decimal

from django.db import migrations

STATUTORY_SOURCE = (
    "Vyhláška č. 140/2021 Sb., o energetickém auditu, příloha č. 8 – Ekologické hodnocení, tabulka faktorů "
    "emisí CO₂ (t CO₂/MWh). Publikovaný text: https://www.tzb-info.cz/pravni-predpisy/"
    "vyhlaska-c-140-2021-sb-o-energetickem-auditu (Sbírka zákonů, částka 55/2021)."
)
STATUTORY_CITATION = (
    "Hodnota převzata z druhotného přepisu tabulky přílohy č. 8 vyhlášky č. 140/2021 Sb.; neověřeno proti "
    "publikovanému textu přílohy."
)
STATUTORY_FACTORS = {
    "electricity": "0.8600",
    "natural_gas": "0.2000",
    "lpg": "0.2370",
    "heating_oil": "0.2670",
    "hard_coal": "0.3300",
    "brown_coal": "0.3520",
}
MPO_SOURCE = (
    "Ministerstvo průmyslu a obchodu: Hodnota emisního faktoru CO₂ z výroby elektřiny (8. 4. 2021), tabulka "
    "„Rok – t CO₂/MWh“, převzato z TZB-info: Český emisní faktor CO₂ výroby elektřiny v letech 2010–2020 a "
    "aktuální stav v Německu, https://www.tzb-info.cz/energeticka-narocnost-budov/"
    "22337-cesky-emisni-faktor-co2-vyroby-elektriny-v-letech-2010-2020-a-aktualni-stav-v-nemecku"
)
MPO_GRID = {
    2010: "0.554",
    2011: "0.541",
    2012: "0.506",
    2013: "0.477",
    2014: "0.480",
    2015: "0.493",
    2016: "0.499",
    2017: "0.472",
    2018: "0.466",
    2019: "0.428",
    2020: "0.382",
}
MPO_PRELIMINARY = {2020}


def ship_sets(apps, schema_editor):
    FactorSet = apps.get_model("energy", "EmissionFactorSet")
    Factor = apps.get_model("energy", "EmissionFactor")
    statutory = FactorSet.objects.create(
        name="Vyhláška č. 140/2021 Sb., příloha č. 8",
        source=STATUTORY_SOURCE,
        legal_act="vyhláška č. 140/2021 Sb., o energetickém auditu",
        valid_from=datetime.date(2021, 4, 1),
        is_statutory=True,
        note=(
            "Hodnoty nebyly ověřeny proti publikovanému textu přílohy (viz citace u každého faktoru). Faktor pro "
            "soustavu zásobování teplem a pro biomasu příloha nestanoví: použijte faktor dodavatele tepla."
        ),
    )
    Factor.objects.bulk_create(
        Factor(
            factor_set=statutory,
            carrier=carrier,
            t_co2_per_mwh=Decimal(value),
            is_confirmed=False,
            citation=STATUTORY_CITATION,
        )
        for carrier, value in STATUTORY_FACTORS.items()
    )
    for year, value in MPO_GRID.items():
        grid = FactorSet.objects.create(
            name=f"MPO – průměrný emisní faktor výroby elektřiny {year}",
            source=MPO_SOURCE,
            valid_from=datetime.date(year, 1, 1),
            valid_to=datetime.date(year, 12, 31),
            note="Průměr elektrizační soustavy ČR (obnovitelné zdroje s nulovými emisemi).",
        )
        preliminary = year in MPO_PRELIMINARY
        Factor.objects.create(
            factor_set=grid,
            carrier="electricity",
            t_co2_per_mwh=Decimal(value),
            is_confirmed=not preliminary,
            citation=f"MPO, tabulka „Rok – t CO₂/MWh“, řádek {year}" + (" (předběžná hodnota)" if preliminary else ""),
        )


def remove_sets(apps, schema_editor):
    apps.get_model("energy", "EmissionFactorSet").objects.filter(municipality__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("energy", "0001_emission_factors_buildings_inventory")]

    operations = [migrations.RunPython(ship_sets, remove_sets)]
