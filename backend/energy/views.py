"""Web screens of energy and climate accounting: the town's portfolio, the consumption import, the report."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.dates import MONTHS
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backend.accounts.models import Municipality
from backend.accounts.selectors import user_access
from backend.core.errors import NotFound
from backend.energy import reports
from backend.energy.imports import (
    MAX_BYTES,
    consumption_import_confirm,
    consumption_import_preview,
    degree_days_import_confirm,
    degree_days_import_preview,
)
from backend.energy.models import ConsumptionImport, ImportKind, ImportStatus, Sector, TargetKind
from backend.energy.portfolio import Figures, inventory_co2, portfolio_with_groups, target_progress
from backend.energy.selectors import (
    building_list_visible,
    climate_target_of,
    degree_days_of_year,
    degree_days_years,
    energy_kpis_without_co2,
    inventory_list_visible,
    inventory_list_with_totals,
    municipality_ids_staff,
)
from backend.energy.services import (
    climate_target_set,
    degree_days_set,
    inventory_save,
    kpi_actual_from_building,
    kpi_emission_compute,
    kpi_emission_set_manual,
)
from backend.projects.access import project_access
from backend.projects.choices import EnergyCarrier
from backend.projects.selectors import kpi_list_visible, project_get_visible
from backend.web.charts import BarChart, Series, bar_chart
from backend.web.forms.project_detail import add_service_errors
from backend.web.htmx import render_page


def _require_staff(request: HttpRequest) -> frozenset[int]:
    """Energy accounting is the town's: partner guests and strangers get the same 404 as for anything unseen."""
    ids = municipality_ids_staff(user=request.user)
    if not ids:
        raise Http404(_("Page not found."))
    return ids


def _tonnes(value) -> str:
    return _("%(value)s t CO₂") % {"value": f"{value:,.1f}".replace(",", "\u00a0").replace(".", ",")}


def co2_chart(figures: list[tuple[str, Figures]], *, id: str, title: str | None = None) -> BarChart:
    return bar_chart(
        id=id,
        title=title or _("t CO₂/year by energy carrier, planned and achieved"),
        rows=[(label or _("CO₂ stated by hand"), [row.co2_planned, row.co2_achieved]) for label, row in figures],
        series=[
            Series(css_class="bar", label=_("Planned"), format=_tonnes),
            Series(css_class="bar-alt", label=_("Achieved"), format=_tonnes),
        ],
    )


@login_required
@require_GET
def energy_overview(request: HttpRequest) -> HttpResponse:
    ids = _require_staff(request)
    portfolio = portfolio_with_groups(user=request.user)
    by_measure, by_programme = portfolio.measure_rows, portfolio.programme_rows
    access = user_access(user=request.user)
    context = {
        "nav": "energy",
        "portfolio": portfolio,
        "chart": co2_chart(portfolio.carrier_rows, id="chart-energy-co2"),
        "measure_rows": by_measure,
        "measure_chart": co2_chart(
            by_measure, id="chart-energy-measures", title=_("t CO₂/year by strategic measure, planned and achieved")
        ),
        "programme_rows": by_programme,
        "programme_chart": co2_chart(
            by_programme, id="chart-energy-programmes", title=_("t CO₂/year by funding programme, planned and achieved")
        ),
        "progress": target_progress(user=request.user, portfolio=portfolio),
        "without_co2": energy_kpis_without_co2(user=request.user),
        "may_import": any(access.is_coordinator_in(pk) for pk in ids),
    }
    return render_page(request, "energy/overview.html", context)


class ConsumptionFileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Consumption file (CSV or XLSX)"),
        help_text=gettext_lazy("Columns: budova, rok, měsíc, energonositel, MWh. CSV separated by semicolons."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(_("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // 2**20})
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise ValidationError(_("Upload a CSV or XLSX file."))
        return upload


def _coordinated_municipality(request: HttpRequest) -> Municipality:
    access = user_access(user=request.user)
    ids = sorted(pk for pk in _require_staff(request) if access.is_coordinator_in(pk))
    if not ids:
        raise PermissionDenied(_("Only the coordinator of the municipality may do this."))
    return Municipality.objects.get(pk=ids[0])


@login_required
@require_http_methods(["GET", "POST"])
def consumption_import(request: HttpRequest) -> HttpResponse:
    return _import_page(
        request, form_class=ConsumptionFileForm, preview=consumption_import_preview, template="energy/import.html"
    )


def _import_page(request: HttpRequest, *, form_class, preview, template: str, preview_limit: int = 50) -> HttpResponse:
    """The upload page of an energy import: the form, then a preview (200) or the file's row errors (400)."""
    municipality = _coordinated_municipality(request)
    form = form_class(request.POST or None, request.FILES or None)
    context = {"nav": "energy", "form": form, "upload": None, "parsed": None}
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        upload, parsed = preview(
            actor=request.user, municipality=municipality, file_name=file.name, content=file.read()
        )
        context.update(upload=upload, parsed=parsed, preview_rows=parsed.rows[:preview_limit])
        return render_page(request, template, context, status=200 if upload else 400)
    return render_page(request, template, context, status=400 if form.errors else 200)


def _pending_upload(request: HttpRequest, municipality: Municipality, pk: int, kind: str) -> ConsumptionImport:
    """The user's own file waiting for confirmation; anything else is 404."""
    upload = ConsumptionImport.objects.filter(
        pk=pk, municipality=municipality, kind=kind, status=ImportStatus.PREVIEW, uploaded_by=request.user
    ).first()
    if upload is None:
        raise Http404(_("Page not found."))
    return upload


@login_required
@require_POST
def consumption_import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = _coordinated_municipality(request)
    upload = _pending_upload(request, municipality, pk, ImportKind.CONSUMPTION)
    try:
        count = consumption_import_confirm(actor=request.user, upload=upload)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("energy:consumption_import")
    messages.success(request, _("%(count)d monthly readings imported.") % {"count": count})
    return redirect("energy:overview")


@login_required
@require_POST
def kpi_co2_compute(request: HttpRequest, project_pk: int, pk: int) -> HttpResponse:
    project, kpi = _visible_kpi(request, project_pk, pk)
    try:
        emission = kpi_emission_compute(actor=request.user, kpi=kpi)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("CO₂ of “%(kpi)s” computed with %(set)s: %(co2)s planned.")
            % {"kpi": kpi.name, "set": emission.factor_set, "co2": _tonnes(emission.co2_target)},
        )
    return redirect(reverse("web:project_detail", kwargs={"pk": project.pk}) + "?tab=kpis")


class MeasuredActualForm(forms.Form):
    building = forms.ModelChoiceField(label=gettext_lazy("Building"), queryset=None)
    baseline_year = forms.IntegerField(label=gettext_lazy("Year before the project"), min_value=1990, max_value=2100)
    reporting_year = forms.IntegerField(label=gettext_lazy("Year after the project"), min_value=1990, max_value=2100)

    def __init__(self, *args, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings


def _visible_kpi(request: HttpRequest, project_pk: int, pk: int):
    try:
        project = project_get_visible(user=request.user, pk=project_pk)
    except NotFound as error:
        raise Http404(str(error)) from error
    kpi = kpi_list_visible(user=request.user, project=project).filter(pk=pk).first()
    if kpi is None:
        raise Http404(_("Page not found."))
    return project, kpi


@login_required
@require_http_methods(["GET", "POST"])
def kpi_measured_actual(request: HttpRequest, project_pk: int, pk: int) -> HttpResponse:
    """A savings KPI's actual value from a building's measured consumption before and after the project."""
    project, kpi = _visible_kpi(request, project_pk, pk)
    buildings = building_list_visible(user=request.user).filter(municipality_id=project.municipality_id)
    form = MeasuredActualForm(request.POST or None, buildings=buildings)
    if request.method == "POST" and form.is_valid():
        try:
            measured = kpi_actual_from_building(actor=request.user, kpi=kpi, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("The actual value of “%(kpi)s” is now %(saving)s MWh/year, measured in %(building)s.")
                % {
                    "kpi": kpi.name,
                    "saving": number_format(measured.saving_mwh, decimal_pos=1, use_l10n=True, force_grouping=True),
                    "building": measured.building,
                },
            )
            return redirect(reverse("web:project_detail", kwargs={"pk": project.pk}) + "?tab=kpis")
    context = {"nav": "projects", "project": project, "kpi": kpi, "form": form}
    return render_page(request, "energy/measured_actual.html", context, status=400 if form.errors else 200)


class ManualCo2Form(forms.Form):
    co2_target = forms.DecimalField(
        label=gettext_lazy("Planned t CO₂/year"), min_value=0, max_digits=12, decimal_places=3, localize=True
    )
    co2_actual = forms.DecimalField(
        label=gettext_lazy("Achieved t CO₂/year"),
        min_value=0,
        max_digits=12,
        decimal_places=3,
        required=False,
        localize=True,
        help_text=gettext_lazy("Leave empty until the effect is known."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Why by hand"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=gettext_lazy("For example: the supplier's own factor, or a figure from the energy audit."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def kpi_co2_manual(request: HttpRequest, project_pk: int, pk: int) -> HttpResponse:
    """Enter an energy KPI's CO₂ effect by hand, with the reason, when the factors do not give it."""
    project, kpi = _visible_kpi(request, project_pk, pk)
    if not project_access(user=request.user, project=project).may_edit:
        raise PermissionDenied(
            _("Only the project manager, a head of an involved department or the coordinator may do this.")
        )
    emission = getattr(kpi, "emission", None)
    initial = {}
    if emission is not None and emission.is_manual:
        initial = {"co2_target": emission.co2_target, "co2_actual": emission.co2_actual, "reason": emission.reason}
    form = ManualCo2Form(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = kpi_emission_set_manual(actor=request.user, kpi=kpi, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("CO₂ of “%(kpi)s” entered by hand: %(co2)s planned.")
                % {"kpi": kpi.name, "co2": _tonnes(saved.co2_target)},
            )
            return redirect("web:project_tab", pk=project.pk, tab="kpis")
    context = {"nav": "projects", "project": project, "kpi": kpi, "form": form}
    return render_page(request, "energy/kpi_co2_manual.html", context, status=400 if form.errors else 200)


class DegreeDaysForm(forms.Form):
    """One year's heating degree days, a field per month; an empty month is left as it is."""

    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1990, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for month, name in MONTHS.items():
            self.fields[f"month_{month}"] = forms.DecimalField(
                label=capfirst(name), min_value=0, max_digits=7, decimal_places=1, required=False, localize=True
            )

    def values(self) -> dict[tuple[int, int], object]:
        year = self.cleaned_data["year"]
        return {
            (year, month): self.cleaned_data[f"month_{month}"]
            for month in MONTHS
            if self.cleaned_data.get(f"month_{month}") is not None
        }


@login_required
@require_http_methods(["GET", "POST"])
def degree_days(request: HttpRequest) -> HttpResponse:
    """The coordinator enters the town's heating degree days of a year, month by month."""
    municipality = _coordinated_municipality(request)
    try:
        year = int(request.GET.get("rok", ""))
    except ValueError:
        year = None
    initial = {}
    if year:
        initial = {"year": year} | {
            f"month_{month}": value
            for month, value in degree_days_of_year(municipality_id=municipality.pk, year=year).items()
        }
    form = DegreeDaysForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        if not values:
            form.add_error(None, _("Enter the degree days of at least one month."))
        else:
            try:
                degree_days_set(actor=request.user, municipality=municipality, values=values)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Degree days of %(count)d months of %(year)d saved.")
                    % {"count": len(values), "year": form.cleaned_data["year"]},
                )
                return redirect(reverse("energy:degree_days") + f"?rok={form.cleaned_data['year']}")
    years = degree_days_years(municipality_id=municipality.pk)
    context = {"nav": "energy", "form": form, "years": years}
    return render_page(request, "energy/degree_days.html", context, status=400 if form.errors else 200)


class DegreeDaysFileForm(ConsumptionFileForm):
    file = forms.FileField(
        label=gettext_lazy("Degree-day file (CSV or XLSX)"),
        help_text=gettext_lazy("Columns: rok, měsíc, denostupně. CSV separated by semicolons or commas."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def degree_days_import(request: HttpRequest) -> HttpResponse:
    """Upload a file of monthly heating degree days: a preview with row errors, then one import of all rows."""
    return _import_page(
        request,
        form_class=DegreeDaysFileForm,
        preview=degree_days_import_preview,
        template="energy/degree_days_import.html",
        preview_limit=120,
    )


@login_required
@require_POST
def degree_days_import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = _coordinated_municipality(request)
    upload = _pending_upload(request, municipality, pk, ImportKind.DEGREE_DAYS)
    try:
        count = degree_days_import_confirm(actor=request.user, upload=upload)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("energy:degree_days_import")
    messages.success(request, _("Degree days of %(count)d months imported.") % {"count": count})
    return redirect("energy:degree_days")


class ClimateTargetForm(forms.Form):
    baseline = forms.ModelChoiceField(label=gettext_lazy("Baseline inventory"), queryset=None)
    target_year = forms.IntegerField(label=gettext_lazy("Target year"), min_value=1990, max_value=2100)
    reduction_percent = forms.DecimalField(
        label=gettext_lazy("CO₂ reduction (%)"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        localize=True,
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=TargetKind.choices)

    def __init__(self, *args, inventories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["baseline"].queryset = inventories


@login_required
@require_http_methods(["GET", "POST"])
def climate_target(request: HttpRequest) -> HttpResponse:
    """The coordinator sets the town's CO₂ reduction target against one of its baseline inventories."""
    municipality = _coordinated_municipality(request)
    inventories = inventory_list_visible(user=request.user).filter(municipality=municipality).order_by("-year")
    current = climate_target_of(municipality_id=municipality.pk)
    initial = {}
    if current is not None:
        initial = {
            "baseline": current.baseline_id,
            "target_year": current.target_year,
            "reduction_percent": current.reduction_percent,
            "kind": current.kind,
        }
    form = ClimateTargetForm(request.POST or None, initial=initial, inventories=inventories)
    if request.method == "POST" and form.is_valid():
        try:
            climate_target_set(actor=request.user, municipality=municipality, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The climate target was saved."))
            return redirect("energy:overview")
    context = {"nav": "energy", "form": form, "has_inventory": inventories.exists()}
    return render_page(request, "energy/climate_target.html", context, status=400 if form.errors else 200)


class InventoryForm(forms.Form):
    """A baseline emission inventory: its year and MWh per sector × carrier, one field per cell of the grid."""

    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1990, max_value=2100)
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for sector in Sector:
            for carrier in EnergyCarrier:
                label = f"{sector.label} – {carrier.label}"
                self.fields[self.cell_name(sector, carrier)] = forms.DecimalField(
                    label=label,
                    min_value=0,
                    max_digits=16,
                    decimal_places=3,
                    required=False,
                    localize=True,
                    widget=forms.TextInput(attrs={"aria-label": label, "inputmode": "decimal", "size": 8}),
                )

    @staticmethod
    def cell_name(sector: str, carrier: str) -> str:
        return f"mwh_{sector}_{carrier}"

    def grid(self) -> list[tuple[str, list]]:
        return [
            (sector.label, [self[self.cell_name(sector, carrier)] for carrier in EnergyCarrier]) for sector in Sector
        ]

    def entries(self) -> dict[tuple[str, str], object]:
        return {
            (sector.value, carrier.value): self.cleaned_data[self.cell_name(sector, carrier)]
            for sector in Sector
            for carrier in EnergyCarrier
            if self.cleaned_data.get(self.cell_name(sector, carrier)) is not None
        }


@login_required
@require_http_methods(["GET", "POST"])
def inventory_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The coordinator enters or corrects a baseline emission inventory; its t CO₂ is shown as computed."""
    municipality = _coordinated_municipality(request)
    inventory = None
    initial = {}
    if pk is not None:
        inventory = inventory_list_visible(user=request.user).filter(pk=pk, municipality=municipality).first()
        if inventory is None:
            raise Http404(_("Page not found."))
        initial = {"year": inventory.year, "note": inventory.note} | {
            InventoryForm.cell_name(entry.sector, entry.carrier): entry.mwh for entry in inventory.entries.all()
        }
    form = InventoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = inventory_save(
                actor=request.user,
                municipality=municipality,
                inventory=inventory,
                year=form.cleaned_data["year"],
                note=form.cleaned_data["note"],
                entries=form.entries(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The emission inventory of %(year)d was saved.") % {"year": saved.year})
            return redirect("energy:inventory_edit", pk=saved.pk)
    co2 = inventory_co2(inventory=inventory) if inventory else None
    context = {
        "nav": "energy",
        "form": form,
        "grid": form.grid(),
        "carriers": [carrier.label for carrier in EnergyCarrier],
        "inventory": inventory,
        "co2": co2,
        "co2_rows": [
            (Sector(sector).label, EnergyCarrier(carrier).label, mwh, tonnes)
            for sector, carrier, mwh, tonnes in (co2.rows if co2 else [])
        ],
        "inventories": inventory_list_with_totals(user=request.user, municipality_id=municipality.pk),
    }
    return render_page(request, "energy/inventory.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def report_download(request: HttpRequest, file_format: str) -> HttpResponse:
    _require_staff(request)
    if file_format == "xlsx":
        return reports.report_xlsx_response(user=request.user)
    return reports.report_csv_response(user=request.user)


app_name = "energy"
urlpatterns = [
    path("", energy_overview, name="overview"),
    path("import/", consumption_import, name="consumption_import"),
    path("import/<int:pk>/", consumption_import_apply, name="consumption_import_apply"),
    path("vykaz.xlsx", report_download, {"file_format": "xlsx"}, name="report_xlsx"),
    path("vykaz.csv", report_download, {"file_format": "csv"}, name="report_csv"),
    path("projekty/<int:project_pk>/kpi/<int:pk>/co2/", kpi_co2_compute, name="kpi_co2_compute"),
    path("denostupne/", degree_days, name="degree_days"),
    path("denostupne/import/", degree_days_import, name="degree_days_import"),
    path("denostupne/import/<int:pk>/", degree_days_import_apply, name="degree_days_import_apply"),
    path("cil/", climate_target, name="climate_target"),
    path("bilance/", inventory_edit, name="inventory_new"),
    path("bilance/<int:pk>/", inventory_edit, name="inventory_edit"),
    path("projekty/<int:project_pk>/kpi/<int:pk>/co2/rucne/", kpi_co2_manual, name="kpi_co2_manual"),
    path("projekty/<int:project_pk>/kpi/<int:pk>/mereni/", kpi_measured_actual, name="kpi_measured_actual"),
]
