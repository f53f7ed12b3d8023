"""HTTP Range requests for stored files: browsers seek in a <video> with `Range: bytes=a-b`
(RFC 9110 §14), which Django's FileResponse ignores. One range per request is enough for
media players; anything else gets the whole file. On an object store (studio.web.objectstore)
the range is asked of the store itself, so a seek never downloads the whole video."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse

from studio.web.objectstore import RangeNotSatisfiable, is_object_store, open_object

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
    or 416 when it lies past the end). Always says `Accept-Ranges: bytes`. Raises Http404
    when the file is missing from the storage."""
    header = request.headers.get("Range", "").strip()
    try:
        if is_object_store(storage):
            return _object_response(storage, name, header, content_type)
        size = storage.size(name)
    except FileNotFoundError as exc:  # the row outlived its file: "not found", never a 500
        raise Http404 from exc
    wanted = _wanted(header, size) if header else None
    if header and wanted is None and _RANGE.match(header):
        return _unsatisfiable(size)
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


def _unsatisfiable(size: int) -> HttpResponse:
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    response["Accept-Ranges"] = "bytes"
    return response


def _object_response(storage, name: str, header: str, content_type: str) -> HttpResponse:
    """As file_response, from an object store in one GET: the range goes to the store."""
    match = _RANGE.match(header)
    if match and match.groups() == ("", ""):  # "bytes=-": no range at all
        return _unsatisfiable(storage.size(name))
    try:
        read = open_object(storage, name, header if match else None)
    except RangeNotSatisfiable as exc:
        return _unsatisfiable(exc.size)
    status = 206 if read.content_range else 200
    response = StreamingHttpResponse(read.chunks, status=status, content_type=content_type)
    response["Content-Length"] = str(read.length)
    if read.content_range:
        response["Content-Range"] = read.content_range
    response["Accept-Ranges"] = "bytes"
    return response
