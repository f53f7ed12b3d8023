"""The DIY plan in the sandbox: linked Discord accounts (tokens.py), their queue
(queue.py), bot commands and message traces (commands.py), the account's ban list
(banlist.py); their routes are imaginepro/views/diy.py (docs/provider-contract.md §3.18; docs/architecture.md "Providers").

Documented shapes: token objects (`GET /discord/tokens`, `GET|PUT /discord/token/{id}`), the
trace (`GET /message/trace/{messageId}`) and `POST /nova/commands`. The queue, ban-list and
linked-account routes are not published by the provider; the sandbox serves the provisional
ones of docs/architecture.md "Providers": `GET /diy/queue/count`, `POST /diy/queue/pause|resume|reboot`,
`GET|POST /diy/ban-words`, `GET /diy/accounts`, `GET /diy/accounts/{id}/queue`.

How the queue behaves here (the real behaviour is undocumented):
- Midjourney jobs (imagine, buttons, describe, face swap, blend, video) run on one of the
  account's active linked tokens, the least busy one, chosen at submit. Flux, Nano Banana,
  Lumi Girl and the tools do not use the DIY queue.
- Pause: jobs still QUEUED stay QUEUED (with progress 0) and do not progress; jobs submitted
  while paused wait too. Running jobs finish. Their stored timeline is pushed `HOLD` ahead
  (so every process sees them as queued and no webhook fires), and on resume moved back so
  they wait out the rest of their queue time from the moment of resuming, then run to the end.
- Reboot: running jobs FAIL at once with `REBOOTED`; queued ones stay queued; a paused queue
  stays paused.
- Commands (`info`, `fast`, `relax`, `turbo`) bypass the queue: the token's mode changes at
  submit, and the message is DONE after a moment with the bot's answer as its `prompt`.
"""
