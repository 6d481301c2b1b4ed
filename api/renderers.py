import csv
import io

from rest_framework.renderers import BaseRenderer


class RowsCsvRenderer(BaseRenderer):
    """The `rows` of a response as CSV, columns in the order of the first row (or of the
    view's `csv_columns`). Errors are still answered in JSON by the view."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        view = (renderer_context or {}).get("view")
        rows = data.get("rows", []) if isinstance(data, dict) else []
        columns = getattr(view, "csv_columns", None) or (list(rows[0]) if rows else [])
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue().encode(self.charset)
