"""Docker HEALTHCHECK: is the studio answering? Exit 0 = healthy, 1 = not.

GETs /accounts/login/ on the local gunicorn with the first ALLOWED_HOSTS name as the Host
header (any other Host would get a 400 from Django's host validation). The same image runs the
worker (`manage.py qcluster`), which serves no HTTP: there the check only says the container's
main process is running.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    try:
        with open("/proc/1/cmdline", "rb") as cmdline:
            if b"qcluster" in cmdline.read():
                return 0
    except OSError:
        pass

    host = os.environ.get("ALLOWED_HOSTS", "").split(",")[0].strip().lstrip(".")
    if host in ("", "*"):
        host = "localhost"
    port = os.environ.get("HEALTHCHECK_PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/accounts/login/",
        headers={"Host": host, "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=4) as response:
            ok = response.status == 200
    except (urllib.error.URLError, OSError) as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    if not ok:
        print(f"unhealthy: HTTP {response.status}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
