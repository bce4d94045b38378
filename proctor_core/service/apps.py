"""App configuration: checks the settings and builds the plugin manager once per process (again if ``PROCTOR``
changes, see :mod:`proctor_core.service.conf`)."""

from __future__ import annotations

from django.apps import AppConfig, apps

from proctor_core.plugins import ProctorPlugins, make_plugin_manager
from proctor_core.service.conf import ProctorSettings, proctor_settings


class ProctorServiceConfig(AppConfig):
    name = "proctor_core.service"
    label = "proctor"
    verbose_name = "Proctoring"

    plugins: ProctorPlugins

    @property
    def conf(self) -> ProctorSettings:
        """The validated settings (:func:`~proctor_core.service.conf.proctor_settings`)."""
        return proctor_settings()

    def ready(self) -> None:
        from proctor_core.service import checks  # noqa: F401  (registers the system checks)

        self.build_plugins()

    def build_plugins(self) -> None:
        """The plugin manager the ``PROCTOR`` settings describe.

        :raises ImproperlyConfigured: the settings do not validate.
        """
        conf = proctor_settings()
        self.plugins = make_plugin_manager(
            load_entrypoints=conf.AUTOLOAD_PLUGINS, blocked=conf.BLOCKED_PLUGINS, extra_plugins=conf.EXTRA_PLUGINS
        )


def service_config() -> ProctorServiceConfig:
    """The app config of this process, holding the validated settings and the plugin manager."""
    config = apps.get_app_config(ProctorServiceConfig.label)
    assert isinstance(config, ProctorServiceConfig)
    return config


def warm_up() -> None:
    """Load now what the first frame would otherwise wait for: the face finder and its models."""
    _ = service_config().plugins.face_finder
