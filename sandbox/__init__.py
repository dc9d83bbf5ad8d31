"""An XL Release stand-in that runs the plugin as the server would.

Public interface:
- ``Server`` (server.py, made of state, lifecycle, security, scripts, jobs, views):
  folders, releases, tasks, people, configuration, scripts, jobs;
- ``Plugin`` (plugin.py): load from a source tree, the repo or a jar;
- ``VirtualClock`` / ``RealClock`` (clock.py);
- ``sandbox.mail``: embedded SMTP + IMAP servers (or external ones);
- ``sandbox.mailclient``: a mail client that follows the mailto buttons;
- ``python -m sandbox demo``: the end-to-end story.
"""
from .beans import Comment, TaskStatus  # noqa: F401
from .clock import RealClock, VirtualClock  # noqa: F401
from .errors import (ApiError, ConfError, IllegalArgumentException,  # noqa: F401
                     IllegalStateException, NotFoundException, PermissionDeniedException,
                     PluginError, SandboxError, TypeSystemError)
from .plugin import Plugin, build_jar  # noqa: F401
from .server import SMTP_SERVER_ID, Server  # noqa: F401
