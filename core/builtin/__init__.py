"""Core's own features, each registered as a plugin of its own: core uses the hooks it offers.

One module per concern, as datasette's default plugins: the tables and their
migration branch, the tenant's menu, the job records, the volunteer registry,
the partnership agreements' reminders and the retention of audit and log-in
records. Billing, notices and the report engine register their own modules
(``core/billing/plugin.py``, ``core/notices/plugin.py``, ``core/reports/hooks.py``).
"""

from __future__ import annotations

from core.builtin import jobs, navigation, partnerships, retention, tables, volunteers

PLUGINS = (tables, navigation, jobs, volunteers, partnerships, retention)
