"""The rows migrations ship (the shared emission factor sets, the installation-wide funding programmes) survive a
``flush``, which every transactional test's teardown runs: a later test on the same worker, or an operator who
flushes a database, finds them again."""

import pytest
from django.core.management import call_command

from backend.energy.models import EmissionFactorSet
from backend.energy.selectors import factor_in_force
from backend.projects.models import Programme


@pytest.mark.django_db(transaction=True)
def test_a_flush_leaves_the_shipped_factor_sets_and_programmes_in_place():
    shipped_sets = set(EmissionFactorSet.objects.filter(municipality__isnull=True).values_list("name", flat=True))
    programmes = set(Programme.objects.filter(municipality__isnull=True).values_list("code", flat=True))
    assert "Vyhláška č. 140/2021 Sb., příloha č. 8" in shipped_sets and programmes

    call_command("flush", interactive=False, verbosity=0)

    assert set(EmissionFactorSet.objects.filter(municipality__isnull=True).values_list("name", flat=True)) == (
        shipped_sets
    )
    assert set(Programme.objects.filter(municipality__isnull=True).values_list("code", flat=True)) == programmes
    electricity = factor_in_force(municipality_id=0, carrier="electricity", year=2026)
    assert electricity is not None and str(electricity.t_co2_per_mwh) == "0.8600"
