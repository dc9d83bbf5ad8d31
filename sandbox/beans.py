"""Java-bean-like value objects handed to plugin scripts.

Inside XL Release a script sees Java objects through Jython: a bean property
``name`` reads as ``obj.name`` and ``obj.getName()``, an enum's ``name()`` and
``toString()`` give its constant, a ``Type`` prints as ``prefix.Name``.  The
classes here reproduce exactly that surface and nothing more: reading a
property the object does not have raises ``AttributeError`` (as Jython would),
so a plugin cannot come to rely on something the real server lacks.
"""
from __future__ import annotations

import copy

from .errors import IllegalArgumentException


def _upper_first(name: str) -> str:
    return name[:1].upper() + name[1:]


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


class Bean:
    """A snapshot with named properties, read as ``b.x`` or ``b.getX()``.

    ``_properties`` lists what exists; ``_writable`` what has a setter
    (``b.x = v`` or ``b.setX(v)``).  Everything else is read-only, and an
    unknown name raises ``AttributeError``.
    """

    _bean_name = "Bean"
    _properties: tuple[str, ...] = ()
    _writable: tuple[str, ...] = ()
    _masked: tuple[str, ...] = ()

    def __init__(self, **values):
        unknown = set(values) - set(self._properties)
        if unknown:
            raise TypeError("%s has no properties %s" % (self._bean_name, sorted(unknown)))
        for name in self._properties:
            object.__setattr__(self, name, values.get(name))

    def __getattr__(self, name):
        # Only called when normal lookup failed: accessor names.
        for prefix in ("get", "is"):
            if name.startswith(prefix) and name[len(prefix):len(prefix) + 1].isupper():
                prop = _lower_first(name[len(prefix):])
                if prop in self._properties:
                    return lambda: object.__getattribute__(self, prop)
        if name.startswith("set") and name[3:4].isupper():
            prop = _lower_first(name[3:])
            if prop in self._writable:
                return lambda value: setattr(self, prop, value)
        raise AttributeError("%s has no property or method '%s'" % (self._bean_name, name))

    def __setattr__(self, name, value):
        if name in self._writable:
            object.__setattr__(self, name, value)
            return
        if name in self._properties:
            raise AttributeError("%s.%s is read-only" % (self._bean_name, name))
        raise AttributeError("%s has no property '%s'" % (self._bean_name, name))

    def _values(self):
        return {name: object.__getattribute__(self, name) for name in self._properties}

    def __repr__(self):
        shown = []
        for name in self._properties:
            value = object.__getattribute__(self, name)
            if name in self._masked and value:
                shown.append("%s=********" % name)
            elif isinstance(value, list) and value and isinstance(value[0], Bean):
                shown.append("%s=[%d items]" % (name, len(value)))
            else:
                shown.append("%s=%r" % (name, value))
        return "%s(%s)" % (self._bean_name, ", ".join(shown))

    __str__ = __repr__

    def toString(self):  # Java name
        return str(self)

    def __eq__(self, other):
        return type(self) is type(other) and self._values() == other._values()

    def __hash__(self):
        return hash((type(self).__name__, object.__getattribute__(self, self._properties[0])))

    def __deepcopy__(self, memo):
        clone = object.__new__(type(self))
        for name in self._properties:
            object.__setattr__(
                clone, name, copy.deepcopy(object.__getattribute__(self, name), memo)
            )
        return clone


def bean_class(name: str, properties, writable=(), masked=()):
    """Make a Bean subclass with the given property names."""
    return type(name, (Bean,), {
        "_bean_name": name,
        "_properties": tuple(properties),
        "_writable": tuple(writable),
        "_masked": tuple(masked),
    })


class JavaEnum:
    """One constant of a Java enum: ``name()``, ``toString()``, ``str()``, ``ordinal()``.

    Constants compare equal only to themselves, never to strings, as in
    Jython: the plugin must read them through ``compat.enum_name``/``str``.
    """

    _constants: tuple[str, ...] = ()
    _cache: dict = {}

    def __init__(self, constant: str):
        if constant not in self._constants:
            raise ValueError("%s has no constant %s" % (type(self).__name__, constant))
        self._constant = constant

    @classmethod
    def of(cls, constant: str):
        key = (cls, constant)
        if key not in JavaEnum._cache:
            JavaEnum._cache[key] = cls(constant)
        return JavaEnum._cache[key]

    @classmethod
    def values(cls):
        return [cls.of(c) for c in cls._constants]

    @classmethod
    def valueOf(cls, constant):  # Java name
        return cls.of(str(constant))

    def name(self):
        return self._constant

    def ordinal(self):
        return self._constants.index(self._constant)

    def toString(self):  # Java name
        return self._constant

    def __str__(self):
        return self._constant

    def __repr__(self):
        return "%s.%s" % (type(self).__name__, self._constant)

    def __eq__(self, other):
        return type(self) is type(other) and self._constant == other._constant

    def __hash__(self):
        return hash((type(self).__name__, self._constant))

    def __deepcopy__(self, memo):
        return self


class TaskStatus(JavaEnum):
    # release-api.yaml TaskStatus
    _constants = ("PLANNED", "PENDING", "IN_PROGRESS", "QUEUED", "ABORT_SCRIPT_QUEUED",
                  "FAILURE_HANDLER_QUEUED", "COMPLETED", "COMPLETED_IN_ADVANCE", "SKIPPED",
                  "SKIPPED_IN_ADVANCE", "FAILED", "FAILING", "ABORTED", "PRECONDITION_IN_PROGRESS",
                  "WAITING_FOR_INPUT", "FAILURE_HANDLER_IN_PROGRESS", "FACET_CHECK_IN_PROGRESS",
                  "ABORT_SCRIPT_IN_PROGRESS")


class PhaseStatus(JavaEnum):
    _constants = ("PLANNED", "IN_PROGRESS", "COMPLETED", "FAILING", "FAILED", "SKIPPED", "ABORTED")


class ReleaseStatus(JavaEnum):
    _constants = ("TEMPLATE", "PLANNED", "IN_PROGRESS", "PAUSED", "FAILING", "FAILED",
                  "COMPLETED", "ABORTED")


class MemberType(JavaEnum):
    _constants = ("PRINCIPAL", "ROLE")


class Type:
    """A CI type as XL Release's ``com.xebialabs.deployit.plugin.api.reflect.Type``.

    ``str()``/``toString()`` give ``prefix.Name``; the Java bean properties
    ``prefix`` and ``name`` are the two halves (so in Jython ``t.name`` is
    ``Name``, not the full type name: the sandbox keeps that trap).
    """

    def __init__(self, full_name: str):
        prefix, _, name = full_name.rpartition(".")
        if not prefix or not name:
            raise ValueError("a type name is prefix.Name, not %r" % (full_name,))
        self._full = full_name
        self.prefix = prefix
        self.name = name

    def getPrefix(self):  # Java name
        return self.prefix

    def getName(self):  # Java name
        return self.name

    def toString(self):  # Java name
        return self._full

    def __str__(self):
        return self._full

    def __repr__(self):
        return "Type(%s)" % self._full

    def __eq__(self, other):
        return isinstance(other, Type) and other._full == self._full

    def __hash__(self):
        return hash(self._full)

    def __deepcopy__(self, memo):
        return self


# --- the beans of the host contract ------------------------------------------

CommentBean = bean_class("Comment", ("id", "text", "author", "date", "creationDate"))
PhaseBean = bean_class("Phase", ("id", "title", "status", "tasks"))
TaskBean = bean_class(
    "Task",
    ("id", "type", "taskType", "title", "description", "owner", "team", "status",
     "failuresCount", "phase", "releaseUid", "comments", "startDate", "endDate", "statusLine"),
    writable=("title", "description", "owner", "team"))
ReleaseBean = bean_class(
    "Release",
    ("id", "title", "description", "owner", "status", "phases", "startDate", "endDate",
     "scriptUsername"))
FolderBean = bean_class("Folder", ("id", "title", "children"))
TeamMemberView = bean_class("TeamMemberView", ("name", "fullName", "type", "roleId"))
TeamView = bean_class("TeamView", ("id", "teamName", "members", "permissions", "systemTeam"))
PrincipalView = bean_class("PrincipalView", ("username", "fullname"))
RoleView = bean_class("RoleView", ("id", "name", "permissions", "principals"))
UserAccount = bean_class(
    "UserAccount", ("username", "email", "fullName", "external", "loginAllowed")
)


class Comment:
    """The ``Comment`` form scripts pass to ``taskApi`` (v1 forms.Comment).

    ``Comment()`` then ``setComment(text)``, or ``Comment(text)``.
    """

    def __init__(self, comment=None):
        self.comment = comment

    def getComment(self):  # Java name
        return self.comment

    def setComment(self, comment):  # Java name
        self.comment = comment

    def __repr__(self):
        return "Comment(%r)" % (self.comment,)


class ConfigurationBean:
    """A shared configuration object as scripts get it: ``id``, ``title``, ``type``,
    ``folderId`` (None for a global one), ``getProperty(name)``; password values
    are readable by scripts but masked in ``str()``/``repr()``."""

    def __init__(self, ci_id, ci_type, values, secret_names, folder_id=None):
        self._folder_id = folder_id
        self._id = ci_id
        self._type = ci_type
        self._values = values
        self._secret = frozenset(secret_names)

    id = property(lambda self: self._id)
    type = property(lambda self: self._type)
    title = property(lambda self: self._values.get("title"))
    folderId = property(lambda self: self._folder_id)  # ReleaseConfiguration.folderId

    def getFolderId(self):  # Java names
        return self._folder_id

    def getId(self):  # Java names
        return self._id

    def getType(self):
        return self._type

    def getTitle(self):
        return self._values.get("title")

    def getProperty(self, name):
        if name not in self._values:
            raise IllegalArgumentException("%s has no property %s" % (self._type, name))
        return copy.deepcopy(self._values[name])

    def hasProperty(self, name):
        return name in self._values

    def __getattr__(self, name):
        raise AttributeError(
            "configuration %s has no attribute '%s' (synthetic properties are read "
            "with getProperty)" % (self._type, name)
        )

    def __repr__(self):
        shown = ", ".join("%s=%s" % (k, "********" if k in self._secret and v else repr(v))
                          for k, v in sorted(self._values.items()))
        return "%s[%s](%s)" % (self._type, self._id, shown)

    __str__ = __repr__

    def toString(self):
        return repr(self)
