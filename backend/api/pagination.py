"""Cursor pagination for every list: stable under inserts, fixed cost whatever the page."""

import datetime

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination


class CursorPagination(pagination.CursorPagination):
    ordering = ("-created_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE
    invalid_cursor_message = _("The page link is not valid: follow the next or previous link of a previous answer.")

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        """A cursor someone edited is invalid input (400 on ``cursor``), whatever part of it was changed.

        DRF checks the encoding and the offset but hands the position to the database as it came: on an id
        ordering "x" failed as a 500, and on a date ordering the error named the date format. The position is
        checked here against the field the list is ordered by, the way DRF itself writes it.
        """
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise self._invalid() from None
        if cursor is not None and cursor.position is not None and not self._position_is_valid(cursor.position):
            raise self._invalid()
        return cursor

    def _invalid(self) -> exceptions.ValidationError:
        return exceptions.ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})

    def _position_is_valid(self, position: str) -> bool:
        if "\x00" in position:
            return False
        field = _ordering_field(self._model, self.ordering[0].lstrip("-"))
        if field is None:
            return True
        try:
            value = field.to_python(position)
        except DjangoValidationError:
            return False
        if isinstance(value, int) and not isinstance(value, bool):
            # Beyond the column's range no row can be: the number was typed by hand.
            low, high = connection.ops.integer_field_range(field.get_internal_type())
            return (low is None or value >= low) and (high is None or value <= high)
        # A position DRF wrote carries its time zone; a naive one was typed by hand.
        return not (isinstance(value, datetime.datetime) and timezone.is_naive(value))


def _ordering_field(model: type[Model], path: str):
    """The model field at the end of an ordering path (``project__title``), or None if it is not a field."""
    field = None
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if field.is_relation:
            if field.related_model is None:
                return None
            model = field.related_model
    if field is not None and field.is_relation:
        return field.target_field
    return field
