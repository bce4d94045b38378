"""App configuration of the reviewer workspace."""

from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "proctor_core.service.review"
    label = "proctor_review"
    verbose_name = "Session review"
    default_auto_field = "django.db.models.BigAutoField"
