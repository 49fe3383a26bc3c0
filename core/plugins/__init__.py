"""The plugin host: hook specifications, the values plugins return, the manager."""

from core.plugins.hookspecs import hookimpl
from core.plugins.host import PluginHost, plugin_host

__all__ = ["PluginHost", "hookimpl", "plugin_host"]
