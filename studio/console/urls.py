"""The staff console, mounted at /staff/ (every view is behind access.staff_required)."""

from __future__ import annotations

from django.urls import path

from studio.console import audit as audit_log
from studio.console.access import staff_required
from studio.console.views import accounts, audit, queue, settings, tokens, trace
from studio.web import simulator

app_name = "console"
urlpatterns = [
    path("", queue.index, name="index"),
    path("queue/status/", queue.queue_status, name="queue_status"),
    path("queue/pause/", queue.queue_pause, name="queue_pause"),
    path("queue/resume/", queue.queue_resume, name="queue_resume"),
    path("queue/reboot/", queue.queue_reboot, name="queue_reboot"),
    path("accounts/", accounts.accounts, name="accounts"),
    path("accounts/<int:account_id>/queue/", accounts.account_queue, name="account_queue"),
    path("tokens/", tokens.tokens, name="tokens"),
    path("tokens/<int:token_id>/", tokens.token_detail, name="token_detail"),
    path("tokens/<int:token_id>/active/", tokens.token_toggle, name="token_toggle"),
    path("tokens/<int:token_id>/command/", tokens.token_command, name="token_command"),
    path("commands/<int:command_id>/", tokens.command_status, name="command_status"),
    path("trace/", trace.trace, name="trace"),
    path("audit/", audit.audit, name="audit"),
    path("settings/", settings.settings, name="settings"),
]

# The simulator's staff page of injected faults, when the sandbox is installed: behind the
# console's staff check, recording into its audit log.
faults = simulator.faults_page()
if faults is not None:
    logged = {"audit": audit_log.record}
    urlpatterns += [
        path("faults/", staff_required(faults.fault_list), logged, name="faults"),
        path(
            "faults/<int:fault_id>/remove/",
            staff_required(faults.fault_remove),
            logged,
            name="fault_remove",
        ),
        path("faults/clear/", staff_required(faults.fault_clear), logged, name="fault_clear"),
    ]
