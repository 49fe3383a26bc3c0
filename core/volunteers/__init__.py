"""The volunteer registry, shared by every programme (core).

Volunteers belong to a tenant and a partner organisation; the registry keeps
training, insurance and the child-protection certificate (børneattest) life
cycle: requested (with consent), assessed (date, result), valid until, and
when the certificate document was deleted. It stores the assessment, never
the document. A daily job warns 60 and 30 days before a certificate or the
insurance runs out.
"""
