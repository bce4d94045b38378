"""The reviewer workspace: session lists, the session page with its timeline, adjudication, export and retention.

A Django app of its own (label ``proctor_review``) beside the service: it reads the service's models and writes
only its audit log (:class:`~proctor_core.service.review.models.Adjudication`) and the re-scored session.
"""
