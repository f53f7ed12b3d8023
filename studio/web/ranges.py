"""HTTP Range requests for stored files: browsers seek in a <video> with `Range: bytes=a-b`
(RFC 9110 §14), which Django's FileResponse ignores. One range per request is enough for
media players; anything else gets the whole file. On an object store (studio.web.objectstore)
the range is asked of the store itself, so a seek never downloads the whole video."""

from __future__ import annotations

import re
from collections.abc import Iterator

from botocore.exceptions import ClientError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse

from studio.web.objectstore import is_object_store, read_range

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
    try:
        size = storage.size(name)
    except FileNotFoundError as exc:  # the row outlived its file: "not found", never a 500
        raise Http404 from exc
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            raise Http404 from exc
        raise
    header = request.headers.get("Range", "")
    wanted = _wanted(header, size) if header else None
    if header and wanted is None and _RANGE.match(header.strip()):
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    remote = is_object_store(storage)
    if wanted is None:
        if remote:
            response = StreamingHttpResponse(read_range(storage, name), content_type=content_type)
            response["Content-Length"] = str(size)
        else:
            response = FileResponse(storage.open(name, "rb"), content_type=content_type)
    else:
        first, last = wanted
        chunks = read_range(storage, name, first, last) if remote else None
        response = StreamingHttpResponse(
            chunks or _chunks(storage, name, first, last), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Content-Length"] = str(last - first + 1)
    response["Accept-Ranges"] = "bytes"
    return response
