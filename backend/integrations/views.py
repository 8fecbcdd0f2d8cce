"""The coordinator's webhook pages: the list with the registration form, one endpoint with its delivery log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from backend.integrations import selectors, services
from backend.integrations.forms import WebhookEndpointForm
from backend.integrations.models import WebhookEndpoint
from backend.web.htmx import render_page

LIST_TEMPLATE = "integrations/webhooks.html"
DETAIL_TEMPLATE = "integrations/webhook_detail.html"
DELIVERIES_PER_PAGE = 20


def _form_errors(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _municipalities(request: HttpRequest):
    municipalities = selectors.webhook_municipalities_for(user=request.user)
    if not municipalities.exists():
        # Only coordinators keep webhooks; for anyone else the page does not exist.
        raise Http404
    return municipalities


def _endpoint(request: HttpRequest, pk: int) -> WebhookEndpoint:
    endpoint = selectors.webhook_endpoint_list_visible(user=request.user).filter(pk=pk).first()
    if endpoint is None:
        raise Http404(_("No webhook of your municipality has this number."))
    return endpoint


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest) -> HttpResponse:
    municipalities = _municipalities(request)
    form = WebhookEndpointForm(request.POST or None, municipalities=municipalities)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            endpoint, secret = services.webhook_endpoint_create(
                actor=request.user,
                municipality=data.get("municipality") or municipalities.first(),
                url=data["url"],
                event_types=data["event_types"],
                description=data["description"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            # Rendered, not redirected: the secret appears in this one answer and is never shown again.
            return _detail_page(request, endpoint, secret=secret, status=201)
    context = {
        "nav": "profile",
        "endpoints": selectors.webhook_endpoint_list_visible(user=request.user),
        "form": form,
    }
    return render_page(request, LIST_TEMPLATE, context, status=400 if form.errors else 200)


def _detail_page(
    request: HttpRequest, endpoint: WebhookEndpoint, *, secret: str = "", form=None, status: int = 200
) -> HttpResponse:
    deliveries = selectors.webhook_delivery_list_visible(user=request.user, endpoint=endpoint)
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    log = selectors.webhook_attempts_for(deliveries=list(page))
    form = form or WebhookEndpointForm(
        initial={"url": endpoint.url, "description": endpoint.description, "event_types": endpoint.event_types}
    )
    context = {
        "nav": "profile",
        "endpoint": endpoint,
        "form": form,
        "secret": secret,
        "page": page,
        "deliveries": [(delivery, log[delivery.pk]) for delivery in page],
    }
    return render_page(request, DETAIL_TEMPLATE, context, fragment="deliveries", status=status)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    if request.method == "GET":
        return _detail_page(request, endpoint)
    form = WebhookEndpointForm(request.POST)
    if form.is_valid():
        try:
            services.webhook_endpoint_update(actor=request.user, endpoint=endpoint, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The webhook was saved."))
            return redirect("integrations:webhook_detail", pk=endpoint.pk)
    return _detail_page(request, endpoint, form=form, status=400)


@login_required
@never_cache
@require_POST
def webhook_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    secret = services.webhook_secret_rotate(actor=request.user, endpoint=endpoint)
    return _detail_page(request, endpoint, secret=secret)


@login_required
@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    services.webhook_test_send(actor=request.user, endpoint=endpoint)
    messages.success(request, _("A test event is on its way; its result appears in the log below."))
    return redirect("integrations:webhook_detail", pk=endpoint.pk)


@login_required
@require_POST
def webhook_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    endpoint = services.webhook_endpoint_update(actor=request.user, endpoint=endpoint, is_active=not endpoint.is_active)
    messages.success(request, _("The webhook is enabled.") if endpoint.is_active else _("The webhook is disabled."))
    return redirect("integrations:webhook_detail", pk=endpoint.pk)


@login_required
@require_POST
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    services.webhook_endpoint_delete(actor=request.user, endpoint=endpoint)
    messages.success(request, _("The webhook was deleted."))
    return redirect("integrations:webhooks")


@login_required
@require_POST
def webhook_redeliver(request: HttpRequest, pk: int, delivery_id: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    delivery = selectors.webhook_delivery_list_visible(user=request.user, endpoint=endpoint).filter(pk=delivery_id)
    if not delivery.exists():
        raise Http404
    services.webhook_redeliver(actor=request.user, delivery=delivery.get())
    messages.success(request, _("The message is being sent again."))
    return redirect("integrations:webhook_detail", pk=endpoint.pk)
