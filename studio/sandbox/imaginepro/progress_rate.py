"""The progress rate limit of the simulated ImaginePro API: message fetches per sliding
second per account (settings.SANDBOX_PROGRESS_RATE), then 429."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from .. import clock
from ..faults.answers import too_many_requests
from ..models import SandboxAccount, SandboxRateBucket

BUCKETS_PER_SECOND = 10


def check_progress_rate(account: SandboxAccount) -> JsonResponse | None:
    """Count one progress request of `account`; None if it is within
    settings.SANDBOX_PROGRESS_RATE per sliding second (0 = no limit), else the 429 to send.

    The window is the current 100 ms bucket plus the nine before it (0.9–1 s), counted in
    SandboxRateBucket with one upsert statement that also sums the nine older buckets, so
    every thread and process shares it. Each request counts, refused ones too. Buckets are
    slots of the sandbox's clock (clock.py), so a test that holds the clock still sees every
    request in one window.
    """
    rate = int(getattr(settings, "SANDBOX_PROGRESS_RATE", 10) or 0)
    if rate <= 0:
        return None
    bucket = int(clock.now().timestamp() * BUCKETS_PER_SECOND)
    table = connection.ops.quote_name(SandboxRateBucket._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (account_id, bucket, count) VALUES (%s, %s, 1) "
            "ON CONFLICT (account_id, bucket) DO UPDATE SET count = "
            f"{table}.count + 1 RETURNING count, (SELECT COALESCE(SUM(count), 0) FROM {table} "
            "WHERE account_id = %s AND bucket > %s AND bucket < %s)",
            [account.pk, bucket, account.pk, bucket - BUCKETS_PER_SECOND, bucket],
        )
        current, older = cursor.fetchone()
        if current == 1:  # first request of a new bucket: forget buckets out of the window
            SandboxRateBucket.objects.filter(
                account=account, bucket__lte=bucket - BUCKETS_PER_SECOND
            ).delete()
    if current + older <= rate:
        return None
    # The oldest bucket leaves the window within a second at most.
    return too_many_requests(account, 1.0)
