"""E-invoicing transport: the CAE's connection to its approved platform (PA, AFNOR XP Z12-013),
the flows exchanged through it, their lifecycle statuses (CDAR) and the e-reporting messages
(flux 10). It knows documents only as files and references: the activity app, above it, decides
what to send and what a status means for an invoice (docs/einvoicing.md)."""
