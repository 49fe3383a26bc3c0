"""Background jobs: one set of job functions, two ways to run them.

With ``REDIS_URL`` set, jobs go to RQ and a ``samvirke worker`` runs them;
``samvirke scheduler`` enqueues the periodic ones. Without it (the embedded
default) the same functions run in-process. Either way a job is called with
its tenant id and runs inside that tenant's context, never with request
globals; each run is recorded in ``job_runs`` so failures are visible.
"""

from core.jobs.runner import enqueue, registry, run_due_periodic_jobs

__all__ = ["enqueue", "registry", "run_due_periodic_jobs"]
