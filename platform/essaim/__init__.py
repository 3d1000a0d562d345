"""Essaim: the multi-CAE platform of the national network."""

from .celery import app as celery_app

__all__ = ["celery_app"]
