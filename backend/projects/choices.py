"""Choice sets of the project record, importable without loading any model."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ThematicArea(models.TextChoices):
    """The focus areas of the SMO ČR Smart City framework."""

    ENERGY = "energy", _("Energy")
    MOBILITY = "mobility", _("Mobility")
    ICT = "ict", _("ICT and e-government")
    ENVIRONMENT = "environment", _("Environment, water and waste")
    SOCIAL = "social", _("Social affairs and health")
    SAFETY = "safety", _("Safety")
    GOVERNANCE = "governance", _("Governance and participation")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_TASK_STATUSES = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)


class CommentVisibility(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    SHARED = "shared", _("Shared with partners")


class FundingProgramme(models.TextChoices):
    IROP = "irop", _("IROP – Integrated Regional Operational Programme")
    OP_ZP = "op_zp", _("OP ŽP – Operational Programme Environment")
    OP_TAK = "op_tak", _("OP TAK – Technology and Applications for Competitiveness")
    MODERNISATION_FUND = "modernisation_fund", _("Modernisation Fund")
    NZU = "nzu", _("Nová zelená úsporám")
    NPO = "npo", _("National Recovery Plan (NPO)")
    SFDI = "sfdi", _("State Transport Infrastructure Fund (SFDI)")
    REGIONAL_GRANT = "regional_grant", _("Regional grant")
    MUNICIPAL_BUDGET = "municipal_budget", _("Municipal budget")
    OTHER = "other", _("Other")


class FundingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class KpiKind(models.TextChoices):
    CUSTOM = "custom", _("Custom")
    ENERGY_SAVINGS = "energy_savings", _("Energy savings")
    RENEWABLE_PRODUCTION = "renewable_production", _("Renewable energy production")
    CO2_REDUCTION = "co2_reduction", _("CO₂ reduction")


# KPIs measured in MWh of one energy carrier; their CO₂ effect comes from emission factors (backend.energy).
ENERGY_KPI_KINDS = (KpiKind.ENERGY_SAVINGS, KpiKind.RENEWABLE_PRODUCTION)
# KPIs that appear in the Covenant of Mayors action list and so may state the sector the action belongs to.
COVENANT_KPI_KINDS = (*ENERGY_KPI_KINDS, KpiKind.CO2_REDUCTION)


class CovenantSector(models.TextChoices):
    """Sectors of the Covenant of Mayors action plan (SECAP) that an action is reported under."""

    MUNICIPAL_BUILDINGS = "municipal_buildings", _("Municipal buildings and facilities")
    TERTIARY = "tertiary", _("Tertiary (non-municipal) buildings")
    RESIDENTIAL = "residential", _("Residential buildings")
    PUBLIC_LIGHTING = "public_lighting", _("Public lighting")
    INDUSTRY = "industry", _("Industry")
    TRANSPORT = "transport", _("Transport")
    LOCAL_ELECTRICITY = "local_electricity", _("Local electricity production")
    LOCAL_HEAT = "local_heat", _("Local heat and cold production")
    OTHER = "other", _("Other")


class EnergyCarrier(models.TextChoices):
    """Energy carriers (energonositele) of savings, renewable production, consumption and emission factors."""

    ELECTRICITY = "electricity", _("Electricity")
    NATURAL_GAS = "natural_gas", _("Natural gas")
    DISTRICT_HEAT = "district_heat", _("District heat")
    HEATING_OIL = "heating_oil", _("Heating oil")
    LPG = "lpg", _("LPG")
    HARD_COAL = "hard_coal", _("Hard coal")
    BROWN_COAL = "brown_coal", _("Brown coal")
    BIOMASS = "biomass", _("Biomass")
    DIESEL = "diesel", _("Diesel")
    PETROL = "petrol", _("Petrol")


# First-class KPIs carry a fixed unit so they can be summed across projects and municipalities.
KPI_FIXED_UNITS = {
    KpiKind.ENERGY_SAVINGS: "MWh/year",
    KpiKind.RENEWABLE_PRODUCTION: "MWh/year",
    KpiKind.CO2_REDUCTION: "t CO₂/year",
}
# How people read those units: stored (and in the API) in the one spelling above, shown in their language.
KPI_FIXED_UNIT_LABELS = {
    KpiKind.ENERGY_SAVINGS: _("MWh/year"),
    KpiKind.RENEWABLE_PRODUCTION: _("MWh/year"),
    KpiKind.CO2_REDUCTION: _("t CO₂/year"),
}


class PartnerAccessLevel(models.TextChoices):
    VIEW = "view", _("View only")
    CONTRIBUTE = "contribute", _("Comment and work on tasks")
