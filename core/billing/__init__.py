"""Billing: invoice runs as jobs, invoices and credit notes, numbers per issuing organisation.

- ``periods``: a run's period (2024, 2024-Q1, 2024-03) and the canonical period of an invoice;
- ``models``: invoices and credit notes (tenant data), their lines, runs, the number series
  (one per issuing organisation, not tenant data);
- ``numbering``: the next number of a series, in the issuing transaction;
- ``services``: what may be billed (refusals in Danish), writing, issuing, sent, paid, credit;
- ``runs``: the job (one per tenant), and starting runs from the CLI or a page;
- ``mapping``: an invoice as the ``InvoiceDocument`` that ``core.billing.documents`` renders;
- ``statement``: agreed vs invoiced vs paid per agreement and year;
- ``views``, ``cli``, ``plugin`` (its hooks: models, job, menu, authorization).

Nothing is imported here, so ``core.billing.documents`` stays cheap to import.
"""
