"""The RQ worker of ``samvirke worker``.

RQ's default ``Worker`` forks a work horse per job. The fork inherited an app
whose SQLAlchemy mappers were not yet configured (each job configured them
again, about half of a short job's time) and had to drop the parent's
database connections (each job opened new ones). Here everything a job needs
is set up once before the first job, and by default the jobs run in the
worker process itself (RQ's ``SimpleWorker``), reusing its connection pool
and its one Redis client. That is safe because a job starts from nothing the
previous one left: each runs in an app context of its own (a fresh session),
inside ``tenant_context``/``cross_tenant`` blocks that restore the context
after it, and the timeout is RQ's (a signal in the worker's main thread).
``--fork`` keeps RQ's work horse per job, for isolation of jobs that might
crash the interpreter or leak memory; its set-up is still done once, before
the fork (the mappers, the signing key, the job path's compiled statements);
what a horse cannot inherit is a database connection: it opens its own.
"""

from __future__ import annotations

import gc

from flask import Flask
from sqlalchemy.orm import configure_mappers

from core.db import db
from core.jobs.runner import QUEUE_NAME, redis_connection, registry, warm_up


def prepare(app: Flask) -> None:
    """Everything every job would otherwise set up for itself."""
    configure_mappers()
    registry(app)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            from core.tenancy.rls import signing_key

            signing_key()  # read once through the cross-tenant role, not by every forked work horse
        for engine in db.engines.values():  # a connection per bind, so the first job does not wait for one
            with engine.connect():
                pass
        warm_up()  # the job path's statements compiled, for every work horse to inherit
        db.session.remove()


def run_worker(app: Flask, *, burst: bool = False, fork: bool = False) -> bool:
    """Work the queue (until empty with ``burst``); returns what RQ's ``work`` returns."""
    from rq import Queue, SimpleWorker, Worker

    prepare(app)
    if fork:
        with app.app_context():
            for engine in db.engines.values():  # no socket shared with the work horses
                engine.dispose()
        # What is set up now lives as long as the worker: out of the collector's way, so a work horse's
        # collections do not touch (and copy) the pages it shares with the worker.
        gc.freeze()
    connection = redis_connection(app)
    worker_class = Worker if fork else SimpleWorker
    return worker_class([Queue(QUEUE_NAME, connection=connection)], connection=connection).work(burst=burst)
