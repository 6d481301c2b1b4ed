from rest_framework.pagination import CursorPagination


class VisitCursorPagination(CursorPagination):
    # Newest first; a cursor stays valid while visits are added, unlike page numbers.
    ordering = ("-started_at", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
