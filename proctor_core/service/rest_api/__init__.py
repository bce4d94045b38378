"""Versioned REST APIs of the service."""
