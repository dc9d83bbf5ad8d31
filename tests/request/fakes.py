"""Fake script APIs in the two shapes the plugin meets.

Python shape (the sandbox): plain attributes, lists, strings.
Java shape (XL Release): getters only, java.util.List-like collections,
enums with ``name()``, configuration CIs with ``getProperty``.
"""
from __future__ import annotations


class JavaList:
    """Looks like java.util.List to compat.as_list (toArray + size), not iterable."""

    def __init__(self, items):
        self._items = list(items)

    def toArray(self):
        return list(self._items)

    def size(self):
        return len(self._items)


class JavaEnum:
    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name

    def __str__(self):
        return self._name


class JavaBean:
    """Properties readable only through getX(); lists become JavaList."""

    def __init__(self, **props):
        for key, value in props.items():
            if isinstance(value, list):
                value = JavaList(value)
            getter = "get" + key[:1].upper() + key[1:]
            setattr(self, getter, (lambda v: (lambda: v))(value))


class PyObj:
    def __init__(self, **props):
        self.__dict__.update(props)


class JavaCi:
    """A configuration CI: id/title/type getters and getProperty(name)."""

    def __init__(self, id, title, type, **properties):
        self._id, self._title, self._type, self._props = id, title, type, properties

    def getId(self):
        return self._id

    def getTitle(self):
        return self._title

    def getType(self):
        return self._type

    def getProperty(self, name):
        if name not in self._props:
            raise RuntimeError("Unknown property " + name)  # Java style
        return self._props[name]

    def __repr__(self):
        return "JavaCi(%s)" % self._title


class Shape:
    """Builds objects in one shape."""

    def __init__(self, java):
        self.java = java

    def obj(self, **props):
        if self.java:
            if (
                "type" in props
                and isinstance(props["type"], str)
                and props["type"] in ("PRINCIPAL", "ROLE")
            ):
                props["type"] = JavaEnum(props["type"])
            return JavaBean(**props)
        return PyObj(**props)

    def lst(self, items):
        return JavaList(items) if self.java else list(items)

    def ci(self, id, title, type, **properties):
        if self.java:
            return JavaCi(id, title, type, **properties)
        return PyObj(id=id, title=title, type=type, **properties)


class UserApi:
    def __init__(self, shape, users):
        self.shape = shape
        self.users = users  # username -> (fullName, email)
        self.calls = []

    def getUser(self, username):
        self.calls.append(username)
        if username not in self.users:
            raise LookupError("User '%s' not found" % username)
        full_name, email = self.users[username]
        return self.shape.obj(username=username, fullName=full_name, email=email)


class ReleaseApi:
    def __init__(self, shape, teams, releases=None, fail=False):
        self.shape = shape
        self.teams = teams  # teamName -> [(name, type)]
        self.releases = releases or {}
        self.fail = fail

    def getTeams(self, release_id):
        if self.fail:
            raise IOError("connection reset")
        return self.shape.lst([
            self.shape.obj(id="Team%d" % i, teamName=name,
                           members=[self.shape.obj(name=m, fullName=None, type=t, roleId=None)
                                    for m, t in members])
            for i, (name, members) in enumerate(self.teams.items())])

    def getRelease(self, release_id):
        return self.releases[release_id]


class RolesApi:
    def __init__(self, shape, roles):
        self.shape = shape
        self.roles = roles  # role name -> [username]

    def getRole(self, name):
        if name not in self.roles:
            raise LookupError("role not found")
        return self.shape.obj(name=name, principals=[self.shape.obj(username=u, fullname=None)
                                                     for u in self.roles[name]])


class ConfigurationApi:
    def __init__(self, shape, by_type):
        self.shape = shape
        self.by_type = by_type  # type -> [ci]

    def searchByTypeAndTitle(self, ci_type, title):
        assert title == "", "the plugin passes \"\" for any title, never None"
        return self.shape.lst(self.by_type.get(ci_type, []))

    def getConfiguration(self, ci_id):
        for cis in self.by_type.values():
            for ci in cis:
                found = ci.getId() if isinstance(ci, JavaCi) else getattr(ci, "id", None)
                if found == ci_id:
                    return ci
        raise LookupError("Configuration %s not found" % ci_id)
