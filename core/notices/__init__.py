"""E-mail notices: reminders and flags that reach people outside the platform.

- ``people``/``models``: recipients (recorded by each log-in into a tenant, with its roles,
  with the address they chose), per-person choices per kind (default on),
  and the notices, one per (recipient, kind, subject key).
- ``kinds``: what a person can choose (core's kinds, and those each programme
  declares on its ``Programme``); ``queue``: how producers make notices
  (``queue_notices``, exactly once, only for those who want the kind);
  ``producers``: core's (volunteers' certificates and insurance, agreements'
  deadlines); the volunteer association makes its short-handed shifts' own.
- ``delivery``: the job ``core.deliver_notices`` sends them by SMTP
  (settings ``MAIL_*``), so no web request waits on a mail server; without
  ``MAIL_SERVER`` they stay in the outbox page.
- ``views``: ``/<tenant>/notices/preferences`` and ``/<tenant>/notices/outbox``.
"""

from core.notices.queue import Outgoing, queue_notices

__all__ = ["Outgoing", "queue_notices"]
