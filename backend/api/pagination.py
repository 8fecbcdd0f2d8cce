"""Cursor pagination for every list: stable under inserts, fixed cost whatever the page."""

from django.conf import settings
from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    ordering = ("-created_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE
