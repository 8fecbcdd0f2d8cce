"""The API's filter backend: django-filter's, skipped when a request names none of the view's filters."""

from django_filters.rest_framework import DjangoFilterBackend


class FilterBackend(DjangoFilterBackend):
    """With none of its parameters given, every filter of a filterset leaves the queryset as it is; building the
    filter form anyway was a tenth of a list page's time. Any parameter that could be one of them (a prefix,
    for filters whose fields have suffixes) goes the whole way, validation included."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        names = tuple(filterset_class.base_filters)
        if not any(parameter.startswith(names) for parameter in request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)
