#!/bin/sh
# Container entrypoint: apply migrations, then become the given command (gunicorn by default,
# or `python manage.py qcluster` for the worker) so that it receives `docker stop`'s SIGTERM
# itself, on its own PID: a SIGTERM to a whole process group can hang django-q2's cluster.
#
# STUDIO_MIGRATE=false skips the migration step (e.g. when a release job migrates).
set -eu

cd "$(dirname "$0")/.."

if [ "${STUDIO_MIGRATE:-true}" = "true" ]; then
    # Web and worker often start together on one /data volume: take turns, so the second
    # finds nothing left to do instead of racing the first on the same SQLite file.
    lock="${STUDIO_VAR_DIR:-/data}/.migrate.lock"
    if command -v flock >/dev/null 2>&1 && touch "$lock" 2>/dev/null; then
        flock --wait 300 "$lock" python manage.py migrate --noinput
    else
        python manage.py migrate --noinput
    fi
fi

exec "$@"
