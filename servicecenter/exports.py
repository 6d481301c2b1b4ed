"""Lists as files: CSV streamed chunk by chunk, XLSX built in memory. Shared by every list a
user may download (visits, follow-up cases), so that each is safe in a spreadsheet the same
way: a cell that starts like a formula is written as text (CSV injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import tablib
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.http import content_disposition_header

EXPORT_FORMATS = ("csv", "xlsx")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class ChunkByChunk:
    """A streamed body for an ASGI server, one chunk at a time. Django consumes a plain
    generator whole before an ASGI server sends any of it; this asks the generator for its
    next chunk in the request's thread (the database connection lives there) and hands it
    over as it comes. Closing the response closes the generator, and so the database cursor."""

    def __init__(self, chunks: Iterator[str]) -> None:
        self._chunks = chunks

    async def __aiter__(self):
        next_chunk = sync_to_async(next, thread_sensitive=True)
        while (chunk := await next_chunk(self._chunks, None)) is not None:
            yield chunk

    def close(self) -> None:
        self._chunks.close()


def spreadsheet_safe(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_chunks(rows: Iterator[list[list]], language: str) -> Iterator[str]:
    """CSV text chunk by chunk: comma-separated with proper quoting, UTF-8 with a byte order
    mark so that Excel reads å, ä and ö right. Each chunk is written in the language of the
    request (the streaming outlives the middleware that chose it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    while True:
        with translation.override(language):
            chunk = next(rows, None)
            if chunk is None:
                return
            writer.writerows([spreadsheet_safe(value) for value in row] for row in chunk)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def export_response(
    request: HttpRequest,
    *,
    rows: Iterator[list[list]],
    export: str,
    filename: str,
    title: str,
    total: int,
) -> HttpResponse:
    """`rows` as a download: the header row first, then the rows chunk by chunk (a list of
    rows per chunk). X-Total-Rows tells the page's script how many rows to expect."""
    if export == "xlsx":
        header = next(rows)[0]
        dataset = tablib.Dataset(headers=header, title=title)
        for chunk in rows:
            dataset.extend([[spreadsheet_safe(value) for value in row] for row in chunk])
        response = HttpResponse(dataset.export("xlsx", escape=True), content_type=XLSX_CONTENT_TYPE)
    else:
        chunks = csv_chunks(rows, translation.get_language())
        response = StreamingHttpResponse(
            ChunkByChunk(chunks) if isinstance(request, ASGIRequest) else chunks,
            content_type="text/csv; charset=utf-8",
        )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Total-Rows"] = str(total)
    response["Cache-Control"] = "private, no-store"
    return response
