"""HTTP Range requests for stored files: browsers seek in a <video> with `Range: bytes=a-b`
(RFC 9110 §14), which Django's FileResponse ignores. One range per request is enough for
media players; anything else gets the whole file."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def _wanted(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single `bytes=` range within `size`, None if not one."""
    match = _RANGE.match(header.strip())
    if not match or match.groups() == ("", ""):
        return None
    start, end = match.groups()
    if start == "":  # the last N bytes
        length = int(end)
        return (max(0, size - length), size - 1) if length else None
    first = int(start)
    last = min(int(end), size - 1) if end else size - 1
    return (first, last) if first <= last else None


def _chunks(storage, name: str, first: int, last: int) -> Iterator[bytes]:
    """Bytes first..last of the file, CHUNK at a time (a player asks for `bytes=0-` of a
    whole video; it must not be read into memory at once)."""
    with storage.open(name, "rb") as handle:
        handle.seek(first)
        left = last - first + 1
        while left > 0:
            chunk = handle.read(min(CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


def file_response(request: HttpRequest, storage, name: str, content_type: str) -> HttpResponse:
    """The stored file `name` of `storage`, or the one byte range the request asks for (206,
    or 416 when it lies past the end). Always says `Accept-Ranges: bytes`."""
    size = storage.size(name)
    header = request.headers.get("Range", "")
    wanted = _wanted(header, size) if header else None
    if header and wanted is None and _RANGE.match(header.strip()):
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    if wanted is None:
        response = FileResponse(storage.open(name, "rb"), content_type=content_type)
    else:
        first, last = wanted
        response = StreamingHttpResponse(
            _chunks(storage, name, first, last), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Content-Length"] = str(last - first + 1)
    response["Accept-Ranges"] = "bytes"
    return response
