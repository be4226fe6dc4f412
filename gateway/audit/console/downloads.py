"""HTTP responses for the DPO's downloads (API and console pages alike); no audit here."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi.responses import Response, StreamingResponse


def csv_response(stream: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(
        stream,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="tvaers-revisionslog.csv"'},
    )


def signed_zip_response(content: bytes) -> Response:
    return Response(
        content,
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="tvaers-revisionslog-signeret.zip"'},
    )
