from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class _CursorPagination(CursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500

    def decode_cursor(self, request):
        # A cursor the client garbled is a bad request, not a missing page.
        try:
            return super().decode_cursor(request)
        except NotFound as error:
            raise ValidationError({self.cursor_query_param: [str(error.detail)]}) from error


class CaseCursorPagination(_CursorPagination):
    ordering = ("-created_at", "-id")


class VisitCursorPagination(_CursorPagination):
    # Newest first; a cursor stays valid while visits are added, unlike page numbers.
    ordering = ("-started_at", "-id")
