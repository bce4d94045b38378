"""App configuration: validates the ``PROCTOR`` settings and builds the plugin manager once per process."""

from __future__ import annotations

from django.apps import AppConfig, apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from proctor_core.plugins import ProctorPlugins, make_plugin_manager


class ProctorSettings(BaseModel):
    """The ``PROCTOR`` settings dict."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    AUTOLOAD_PLUGINS: bool = Field(True, description="Load third-party plugins from the 'proctor' entry-point group")
    BLOCKED_PLUGINS: list[str] = Field(default_factory=list, description="Plugin names not to register")
    EXTRA_PLUGINS: list[str] = Field(default_factory=list, description="Module paths registered as plugins too")
    DEFAULT_EXAM: str = Field("interview", description="Exam slug used when POST /api/v1/sessions names none")
    SESSION_TTL_S: float = Field(12 * 3600, gt=0, description="Lifetime of a session token")
    RESULT_TTL_S: float = Field(3600, ge=0, description="How long the token still reads the result after the end")


class ProctorServiceConfig(AppConfig):
    name = "proctor_core.service"
    label = "proctor"
    verbose_name = "Proctoring"

    conf: ProctorSettings
    plugins: ProctorPlugins

    def ready(self) -> None:
        from proctor_core.service import checks  # noqa: F401  (registers the system checks)

        try:
            self.conf = ProctorSettings.model_validate(getattr(settings, "PROCTOR", {}))
        except ValidationError as exc:
            fields = ", ".join(ProctorSettings.model_fields)
            raise ImproperlyConfigured(f"invalid PROCTOR setting ({fields} are known): {exc}") from exc
        self.plugins = make_plugin_manager(
            load_entrypoints=self.conf.AUTOLOAD_PLUGINS,
            blocked=self.conf.BLOCKED_PLUGINS,
            extra_plugins=self.conf.EXTRA_PLUGINS,
        )


def service_config() -> ProctorServiceConfig:
    """The app config of this process, holding the validated settings and the plugin manager."""
    config = apps.get_app_config(ProctorServiceConfig.label)
    assert isinstance(config, ProctorServiceConfig)
    return config


def warm_up() -> None:
    """Load now what the first frame would otherwise wait for: the face finder and its models."""
    _ = service_config().plugins.face_finder
