"""The coordinator's energy configuration in the admin: own sets editable, shared sets read-only, others unseen."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from backend.energy.models import Building, EmissionFactorSet, KpiEmission

pytestmark = pytest.mark.django_db


def _admin(user) -> Client:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="energy"))
    client = Client()
    client.force_login(user)
    return client


def _url(model, view, *args):
    return reverse(f"admin:energy_{model._meta.model_name}_{view}", args=args)


def test_the_coordinator_reads_the_shared_sets_and_cannot_change_them(town):
    client = _admin(town.user("coordinator"))
    statutory = EmissionFactorSet.objects.get(is_statutory=True)
    assert (
        "Vyhláška č. 140/2021 Sb., příloha č. 8" in client.get(_url(EmissionFactorSet, "changelist")).content.decode()
    )
    page = client.get(_url(EmissionFactorSet, "change", statutory.pk))
    assert page.status_code == 200
    assert 'name="name"' not in page.content.decode()
    assert client.post(_url(EmissionFactorSet, "delete", statutory.pk), {"post": "yes"}).status_code == 403
    assert EmissionFactorSet.objects.filter(pk=statutory.pk).exists()


def test_the_coordinator_adds_the_heat_suppliers_set(town):
    client = _admin(town.user("coordinator"))
    data = {
        "municipality": town.municipality.pk,
        "name": "Teplárna Vzorov 2025",
        "source": "Sdělení dodavatele tepla",
        "legal_act": "",
        "valid_from": "1. 1. 2025",
        "valid_to": "",
        "note": "",
        "factors-TOTAL_FORMS": "1",
        "factors-INITIAL_FORMS": "0",
        "factors-0-carrier": "district_heat",
        "factors-0-t_co2_per_mwh": "0.215",
        "factors-0-is_confirmed": "on",
        "factors-0-citation": "dopis 12/2024",
    }
    response = client.post(_url(EmissionFactorSet, "add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    own = EmissionFactorSet.objects.get(name="Teplárna Vzorov 2025")
    assert (own.municipality, own.is_statutory, own.valid_from) == (town.municipality, False, datetime.date(2025, 1, 1))
    assert str(own.factors.get().t_co2_per_mwh) == "0.2150"


def test_another_towns_buildings_are_404(town):
    building = Building.objects.create(municipality=town.other_municipality, code="L-1", name="Lhota")
    client = _admin(town.user("coordinator"))
    assert client.get(_url(Building, "change", building.pk)).status_code == 404
    assert "L-1" not in client.get(_url(Building, "changelist")).content.decode()


def test_computed_co2_is_read_only(town):
    client = _admin(town.user("coordinator"))
    assert client.get(_url(KpiEmission, "add")).status_code == 403
