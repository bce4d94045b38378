"""App configurations: the LTI adapter, and pylti1p3's registration models as this project installs them."""

from __future__ import annotations

from django.apps import AppConfig
from pylti1p3.contrib.django.lti1p3_tool_config.apps import PyLTI1p3ToolConfig


class LmsAdapterConfig(AppConfig):
    default = True
    name = "lms_adapter"
    verbose_name = "LTI 1.3"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lms_adapter import checks  # noqa: F401  (registers the system checks)


class ToolConfigAppConfig(PyLTI1p3ToolConfig):
    """pylti1p3's ``LtiTool`` / ``LtiToolKey`` app, keeping the integer keys its own migrations create.

    Listed in ``INSTALLED_APPS`` as ``"lms_adapter.apps.ToolConfigAppConfig"``, before ``"lms_adapter"``; without
    it, the project's ``DEFAULT_AUTO_FIELD`` would make Django want a migration inside the installed pylti1p3.
    """

    default = False
    default_auto_field = "django.db.models.AutoField"
    verbose_name = "LTI 1.3 platforms"
