"""Guided setup of new CAEs ("essaimage"): setup projects, their stages and tasks, partners,
the business plan and the launch that provisions the CAE's tenant (public schema, docs/onboarding.md)."""
