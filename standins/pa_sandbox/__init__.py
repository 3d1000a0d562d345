"""A sandbox approved platform ("PA", plateforme agréée): a separate HTTP server implementing the
subset of AFNOR XP Z12-013 1.3.0 (Flow Service, Directory Service, OAuth2 client credentials) that
Essaim uses, with the lifecycle statuses (CDAR) of XP Z12-012 and the e-reporting flows (flux 10).

Start it with `python -m standins.pa_sandbox` or `standins.pa_sandbox.process.start()`; what it
does and does not implement is in docs/sandbox.md. It imports nothing of Essaim: it is a second,
independent reading of the standard, so that the two can disagree where one of them is wrong."""
