"""The national view: a partner organisation's programmes in every municipality, aggregated.

- ``scope``: which municipalities, programmes and years a person covers (the
  agreements their organisation is party to; platform administrators: all);
- ``figures``: the key figures per municipality and year, each one grouped
  query across tenants (``cross_tenant``), never one query per tenant;
- ``report``: the figures as a report of the engine (``core.reports``): its
  tables, the relations between its views, its charts; every count under
  disclosure control;
- ``views``: the page (``/national/``) and its files (CSV, Excel, PDF, HTML).

See docs/reports.md ("National view").
"""
