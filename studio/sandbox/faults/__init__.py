"""Fault injection in the sandbox: the simulated API misbehaves on the wire on purpose.

A fault (models.SandboxFault) makes the sandbox misbehave on the wire for the whole sandbox
(`account=None`) or for one sandbox account (one API key), on some requests (`on`): `submit`
(a POST that creates a job), `fetch` (message/fetch and its aliases, video fetch), `history`
(nova/images), `files` (the CDN of results), `check` (nova/prompt-check) or `any` request. Faults come from the database
(`inject`, the staff console) and from settings.SANDBOX_FAULTS (whole-sandbox faults parsed
in memory, never written to the database).

Public API (other parts' tests use these names):

    inject(kind, *, account=None, on="any", remaining=None, probability=1.0, seconds=None,
           text="", note="") -> SandboxFault
    clear(account=None, *, all=False) -> int
    account_for_key(api_key) -> SandboxAccount | None
    find_account(label_or_email) -> SandboxAccount   # for people: the console's scope field
    rate_limited_count(account) -> int      # 429s the sandbox sent this account

Kinds and what happens on the wire (`seconds` in brackets where it is used):
  latency        sleep [seconds, default 1] then answer normally
  http_429       429 + `Retry-After: [seconds, default 1]` (whole seconds, rounded up) and the
                 NestJS body {"message", "error", "statusCode"}; nothing is done
  http_500       500 with the NestJS body; nothing is done (a submit creates no job)
  http_502       502 with a proxy's HTML page, like nginx in front of the API; nothing done
  reset          the TCP connection is reset (RST) without an HTTP answer; nothing is done
  read_timeout   stall [seconds, default settings.PROVIDER_TIMEOUT[1] + 1] then answer 504
                 (a gateway's HTML page); nothing is done, so a submit creates no job
  malformed_json the request is handled (a submit DOES create its job), then 200 with the
                 first half of the body: not JSON
  fail           the job is created and charged, then ends FAIL with `text` as its error
                 (default "Job failed") when it would start processing
  never_finish   the job is created and stays PROCESSING with its progress stuck; no webhook
  lost_answer    the job is created and charged, then the answer is lost: the connection is
                 reset, or with [seconds] the answer is held that long (past a read timeout)
  webhook_late / webhook_duplicate / webhook_out_of_order / webhook_never
                 chosen for jobs created while active (recorded on SandboxJob.webhook_fault):
                 the terminal webhook is sent [seconds, default 5] late, twice, followed by a
                 stale PROCESSING Message, or not at all (webhooks.py)
The job and webhook kinds (fail … webhook_never) concern submits only: `on` must be "submit"
(or "any", which is read as "submit").

How the sandbox's views use this package: each API wrapper (imaginepro.views.api,
imaginepro.views.cdn) calls `apply(request, account, on, handler)` (wire.py) once; it looks the matching faults up with one query,
rolls each one's probability, takes one use of `remaining` with a conditional UPDATE (so
concurrent requests never over-apply), and runs the handler or not. Per kind group at most
one fault applies: a latency, an answer fault, a job fault, a webhook fault.

Connection reset: with Django's dev server / live_server the client socket is reached
through `request.environ["wsgi.input"]`, and gunicorn puts it in `environ["gunicorn.socket"]`;
SO_LINGER 0 then closing it sends an RST. Under a server where the socket cannot be found the
sandbox answers 502 instead (and logs it).
"""

from __future__ import annotations

from .env import env_faults, parse_env
from .kinds import ADVICE
from .plan import shape_job
from .store import account_for_key, clear, find_account, inject, rate_limited_count
from .wire import apply

__all__ = [
    "ADVICE",
    "account_for_key",
    "apply",
    "clear",
    "env_faults",
    "find_account",
    "inject",
    "parse_env",
    "rate_limited_count",
    "shape_job",
]
