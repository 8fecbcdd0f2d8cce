"""Rámec: the Django project (settings, URLs, Celery app) and its platform apps."""

from backend.celery import app as celery_app

__all__ = ("celery_app",)
