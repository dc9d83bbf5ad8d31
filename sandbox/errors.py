"""Errors the sandbox raises.

Script-facing API errors carry the names of the Java exceptions XL Release
throws (a script must not rely on the class, only on something being raised);
set-up errors (bad plugin, bad configuration) are ``SandboxError``s.
"""
from __future__ import annotations


class SandboxError(Exception):
    """Something in the sandbox's own set-up is wrong (plugin, conf, usage)."""


class TypeSystemError(SandboxError):
    """synthetic.xml or a value given to a typed object does not fit the types."""


class PluginError(SandboxError):
    """A plugin cannot be loaded (missing files, bad xl-rules.xml)."""


class ConfError(SandboxError):
    """conf/xl-release.conf holds a value the server cannot use."""


class ApiError(Exception):
    """Base of the errors the script APIs raise."""


class NotFoundException(ApiError):
    """Unknown id or name (com.xebialabs.deployit.engine.api.exception.NotFoundException)."""


class IllegalStateException(ApiError):
    """A transition the task's or release's current status does not allow."""


class IllegalArgumentException(ApiError):
    """An argument of the wrong shape (e.g. a plain string where a Comment is expected)."""


class PermissionDeniedException(ApiError):
    """The acting user lacks a permission.

    Named as XL Release's com.xebialabs.deployit.security.PermissionDeniedException
    (its REST API answers 403); the plugin tells it apart by the class name.
    """
