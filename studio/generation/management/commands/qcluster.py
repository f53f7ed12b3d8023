"""`manage.py qcluster`: django-q2's cluster, plus the poll service in its main process.

This app is listed before django_q in INSTALLED_APPS, so this command replaces django-q2's
own. The poller lease is claimed for the service first (no thread, no connection left
open), then the cluster is started (its sentinel is forked before any thread of ours
exists: forking a process with threads copies their locks), then the poll service
(generation/pollservice.py) runs beside it until SIGTERM or SIGINT, which stops the service
(letting its lease go at once, so another cluster takes over) and then the cluster.

Before the fork the main process loads the task modules (django-q2 would import them in each
worker on its first task) and freezes its heap (web/prefork.py), so the sentinel and the task
workers share those pages with it instead of each holding a copy.
"""

from __future__ import annotations

import os
import signal

from django.conf import settings
from django_q.cluster import Cluster
from django_q.management.commands.qcluster import Command as ClusterCommand

from studio.generation.enqueue import enqueue_download
from studio.generation.pollservice import PollService, claim_lease, new_owner
from studio.web.prefork import prepare_fork


class Command(ClusterCommand):
    help = "Starts the task cluster and, beside it, the poll service that keeps jobs current."

    def handle(self, *args, **options):
        if options.get("run_once"):
            return super().handle(*args, **options)
        settings.SECRET_KEY  # noqa: B018 (django-q2 signs tasks with it: fail early)
        if options.get("cluster_name"):
            os.environ["Q_CLUSTER_NAME"] = options["cluster_name"]
        # The tasks' modules (enqueue.py names them by path), loaded once for every worker.
        import studio.generation.tasks  # noqa: F401

        # The lease next: the cluster's workers could otherwise run a scheduled poll task
        # before the service's first tick and hold the lease through a whole loop.
        owner = new_owner()
        claim_lease(owner)
        cluster = Cluster()
        prepare_fork()
        cluster.start()
        service = PollService(start_download=enqueue_download, owner=owner).start()

        def stop(signum, frame) -> None:
            service.stop()
            cluster.sig_handler(signum, frame)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while cluster.sentinel is not None and cluster.sentinel.is_alive():
                cluster.sentinel.join(0.5)
        finally:
            service.stop()
