"""Types from ``synthetic.xml``, checked the way XL Release's type registry checks them.

A plugin's ``synthetic.xml`` declares types that extend XL Release's built-in
ones (``xlrelease.PythonScript`` for tasks, ``xlrelease.Configuration`` or
``configuration.HttpConnection`` for shared configuration).  The registry
refuses what XL Release would refuse at start-up: an unknown base type, an
unknown property kind, an enum without values, a malformed default.  Values
set on typed objects are checked against the property's kind; an unknown
property or a value of the wrong kind is a ``TypeSystemError``.

Python shapes of the kinds: string ``str``; integer ``int``; boolean
``bool``; enum ``str`` (one of the values); set_of_string ``set``;
list_of_string ``list``; map_string_string ``dict``; date ``datetime``;
ci the id of a configuration object (``str``).
"""
from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

from lxml import etree

from .errors import TypeSystemError

NS = "http://www.xebialabs.com/deployit/synthetic"
KINDS = ("string", "integer", "boolean", "enum", "set_of_string", "list_of_string",
         "map_string_string", "ci", "date")
# Valid in synthetic.xsd but not provided by the sandbox: a clear refusal.
UNSUPPORTED_KINDS = ("set_of_ci", "list_of_ci")
CATEGORIES = ("input", "output", "script")

TASK_BASE = "xlrelease.PythonScript"
CONFIGURATION_BASE = "xlrelease.Configuration"
MANUAL_TASK = "xlrelease.Task"
SMTP_SERVER = "xlrelease.SmtpServer"


@dataclasses.dataclass(frozen=True)
class PropertyDef:
    name: str
    kind: str = "string"
    category: str | None = None
    password: bool = False
    required: bool = True
    hidden: bool = False
    default: object = None
    enum_values: tuple[str, ...] = ()
    referenced_type: str | None = None
    label: str | None = None
    description: str | None = None
    declared_by: str = ""

    def coerce(self, value, owner: str = ""):
        """``value`` in this property's Python shape, or ``TypeSystemError``."""
        where = "%s.%s" % (owner or self.declared_by, self.name)
        if value is None:
            return None
        kind = self.kind

        def wrong(expected):
            return TypeSystemError("%s (%s): expected %s, got %s %r" % (
                where, kind, expected, type(value).__name__, _short(value)))

        if kind == "string":
            if not isinstance(value, str):
                raise wrong("a string")
            return value
        if kind == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                raise wrong("an integer")
            return value
        if kind == "boolean":
            if not isinstance(value, bool):
                raise wrong("a boolean")
            return value
        if kind == "enum":
            if not isinstance(value, str) or value not in self.enum_values:
                raise wrong("one of %s" % (list(self.enum_values),))
            return value
        if kind in ("set_of_string", "list_of_string"):
            if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
                raise wrong("a collection of strings")
            items = list(value)
            if not all(isinstance(item, str) for item in items):
                raise wrong("a collection of strings")
            return set(items) if kind == "set_of_string" else items
        if kind == "map_string_string":
            if not isinstance(value, dict) or not all(
                    isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
                raise wrong("a dict of strings to strings")
            return dict(value)
        if kind == "date":
            if not isinstance(value, datetime.datetime):
                raise wrong("a datetime")
            return value
        if kind == "ci":
            if not isinstance(value, str):
                raise wrong("the id of a %s" % (self.referenced_type,))
            return value
        raise TypeSystemError("%s: unknown kind %r" % (where, kind))

    def default_value(self):
        value = self.default
        if isinstance(value, (set, list, dict)):
            return type(value)(value)
        return value


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _parse_default(name: str, kind: str, text: str | None, enum_values, where: str):
    if text is None:
        if kind == "set_of_string":
            return set()
        if kind == "list_of_string":
            return []
        if kind == "map_string_string":
            return {}
        return None
    if kind in ("string", "ci"):
        return text
    if kind == "integer":
        try:
            return int(text.strip())
        except ValueError:
            raise TypeSystemError(
                "%s.%s: default %r is not an integer" % (where, name, text)
            ) from None
    if kind == "boolean":
        if text.strip().lower() not in ("true", "false"):
            raise TypeSystemError("%s.%s: default %r is not true or false" % (where, name, text))
        return text.strip().lower() == "true"
    if kind == "enum":
        if text not in enum_values:
            raise TypeSystemError(
                "%s.%s: default %r is not one of %s" % (where, name, text, list(enum_values))
            )
        return text
    if kind in ("set_of_string", "list_of_string"):
        items = [part.strip() for part in text.split(",") if part.strip()]
        return set(items) if kind == "set_of_string" else items
    if kind == "map_string_string":
        result = {}
        for part in text.split(","):
            if not part.strip():
                continue
            key, sep, val = part.partition(":")
            if not sep:
                raise TypeSystemError(
                    "%s.%s: default %r is not key:value,..." % (where, name, text)
                )
            result[key.strip()] = val.strip()
        return result
    if kind == "date":
        try:
            return datetime.datetime.fromisoformat(text)
        except ValueError:
            raise TypeSystemError(
                "%s.%s: default %r is not an ISO date" % (where, name, text)
            ) from None
    raise TypeSystemError("%s.%s: unknown kind %r" % (where, name, kind))


@dataclasses.dataclass
class TypeDef:
    name: str
    extends: str | None
    virtual: bool = False
    label: str | None = None
    description: str | None = None
    own: dict = dataclasses.field(default_factory=dict)   # name -> PropertyDef
    properties: dict = dataclasses.field(default_factory=dict)  # resolved, inherited first
    builtin: bool = False

    @property
    def prefix(self):
        return self.name.rpartition(".")[0]

    @property
    def short_name(self):
        return self.name.rpartition(".")[2]

    def property(self, name: str) -> PropertyDef:
        try:
            return self.properties[name]
        except KeyError:
            raise TypeSystemError("type %s has no property '%s'" % (self.name, name)) from None

    def by_category(self, *categories):
        return [p for p in self.properties.values() if p.category in categories]

    def password_names(self):
        return {p.name for p in self.properties.values() if p.password}

    def default_script(self) -> str:
        """The script XL Release runs for this type: ``scriptLocation`` or ``prefix/Name.py``."""
        prop = self.properties.get("scriptLocation")
        if prop is not None and prop.default:
            return prop.default
        return "%s/%s.py" % (self.prefix, self.short_name)


def _p(name, kind="string", **kw):
    return PropertyDef(name=name, kind=kind, **kw)


def _builtin_types():
    """XL Release's own types that plugins extend (only what the sandbox models)."""
    types = [
        TypeDef("udm.BaseConfigurationItem", None, virtual=True),
        TypeDef(MANUAL_TASK, "udm.BaseConfigurationItem"),
        TypeDef(TASK_BASE, "udm.BaseConfigurationItem", virtual=True, own={
            "scriptLocation": _p("scriptLocation", required=False, hidden=True),
            "iconLocation": _p("iconLocation", required=False, hidden=True),
            "taskColor": _p("taskColor", required=False, hidden=True),
        }),
        TypeDef(CONFIGURATION_BASE, "udm.BaseConfigurationItem", virtual=True, own={
            "title": _p("title"),
        }),
        TypeDef("configuration.HttpConnection", CONFIGURATION_BASE, virtual=True, own={
            "url": _p("url"),
            "username": _p("username", required=False),
            "password": _p("password", required=False, password=True),
            "proxyHost": _p("proxyHost", required=False),
            "proxyPort": _p("proxyPort", required=False),
            "proxyUsername": _p("proxyUsername", required=False),
            "proxyPassword": _p("proxyPassword", required=False, password=True),
        }),
        # Settings > SMTP server (configure-smtp-server.md).
        TypeDef(SMTP_SERVER, CONFIGURATION_BASE, own={
            "host": _p("host"),
            "port": _p("port", "integer", default=25),
            "username": _p("username", required=False),
            "password": _p("password", required=False, password=True),
            "tls": _p("tls", "boolean", required=False, default=False),
            "fromAddress": _p("fromAddress"),
            "testAddress": _p("testAddress", required=False),
        }),
    ]
    for t in types:
        t.builtin = True
        t.own = {name: dataclasses.replace(p, declared_by=t.name) for name, p in t.own.items()}
    return {t.name: t for t in types}


class TypeRegistry:
    """All known types: XL Release's built-ins plus those of loaded plugins."""

    def __init__(self):
        self.types: dict[str, TypeDef] = _builtin_types()
        self._resolve()

    # --- loading -----------------------------------------------------------
    def load_synthetic(self, xml: bytes, source: str = "synthetic.xml", xsd: Path | None = None):
        try:
            root = etree.fromstring(xml)
        except etree.XMLSyntaxError as exc:
            raise TypeSystemError("%s: not well-formed XML: %s" % (source, exc)) from None
        if xsd is not None and etree.QName(root).namespace == NS:
            schema = etree.XMLSchema(etree.parse(str(xsd)))
            if not schema.validate(root):
                errors = "; ".join("line %d: %s" % (e.line, e.message) for e in schema.error_log)
                raise TypeSystemError("%s does not match synthetic.xsd: %s" % (source, errors))
        if etree.QName(root).localname != "synthetic":
            raise TypeSystemError("%s: root element must be <synthetic>" % source)
        added = []
        for element in root:
            if not isinstance(element.tag, str):
                continue  # comments, processing instructions
            tag = etree.QName(element).localname
            if tag == "type":
                added.append(self._read_type(element, source))
            elif tag == "type-modification":
                self._read_modification(element, source)
            else:
                raise TypeSystemError(
                    "%s line %d: unexpected element <%s>" % (source, element.sourceline, tag)
                )
        self._resolve()
        return added

    def _read_type(self, element, source):
        name = element.get("type")
        extends = element.get("extends")
        where = "%s line %d" % (source, element.sourceline)
        if not name or "." not in name:
            raise TypeSystemError("%s: a type needs type=\"prefix.Name\"" % where)
        if not extends:
            raise TypeSystemError("%s: type %s needs an extends attribute" % (where, name))
        if name in self.types:
            raise TypeSystemError("%s: type %s is defined twice" % (where, name))
        typedef = TypeDef(name, extends, virtual=element.get("virtual") == "true",
                          label=element.get("label"), description=element.get("description"))
        typedef.own = self._read_properties(element, name, source)
        self.types[name] = typedef
        return name

    def _read_modification(self, element, source):
        name = element.get("type")
        if name not in self.types:
            raise TypeSystemError("%s line %d: type-modification of unknown type %s" % (
                source, element.sourceline, name))
        self.types[name].own.update(self._read_properties(element, name, source))

    def _read_properties(self, element, type_name, source):
        props = {}
        for prop in element:
            if not isinstance(prop.tag, str) or etree.QName(prop).localname != "property":
                continue
            where = "%s line %d (%s)" % (source, prop.sourceline, type_name)
            name = prop.get("name")
            if not name:
                raise TypeSystemError("%s: a property needs a name" % where)
            kind = prop.get("kind", "string")
            if kind in UNSUPPORTED_KINDS:
                raise TypeSystemError(
                    "%s: property %s: kind %s is not supported by the sandbox"
                    % (where, name, kind)
                )
            if kind not in KINDS:
                raise TypeSystemError("%s: property %s: unknown kind %r (known: %s)" % (
                    where, name, kind, ", ".join(KINDS)))
            category = prop.get("category")
            if category is not None and category not in CATEGORIES:
                raise TypeSystemError(
                    "%s: property %s: unknown category %r" % (where, name, category)
                )
            enum_values = ()
            for child in prop:
                if isinstance(child.tag, str) and etree.QName(child).localname == "enum-values":
                    enum_values = tuple(
                        (v.text or "").strip()
                        for v in child
                        if isinstance(v.tag, str) and etree.QName(v).localname == "value"
                    )
            if kind == "enum" and not enum_values:
                raise TypeSystemError("%s: enum property %s has no <enum-values>" % (where, name))
            if kind == "ci" and not prop.get("referenced-type"):
                raise TypeSystemError("%s: ci property %s needs referenced-type" % (where, name))
            for flag in ("required", "password", "hidden"):
                if prop.get(flag) not in (None, "true", "false"):
                    raise TypeSystemError("%s: property %s: %s=%r is not true/false" % (
                        where, name, flag, prop.get(flag)))
            props[name] = PropertyDef(
                name=name, kind=kind, category=category,
                password=prop.get("password") == "true",
                required=prop.get("required", "true") == "true",
                hidden=prop.get("hidden") == "true",
                default=_parse_default(name, kind, prop.get("default"), enum_values, type_name),
                enum_values=enum_values,
                referenced_type=prop.get("referenced-type"),
                label=prop.get("label"), description=prop.get("description"),
                declared_by=type_name)
        return props

    def _resolve(self):
        for typedef in self.types.values():
            chain, seen, current = [], set(), typedef
            while current is not None:
                if current.name in seen:
                    raise TypeSystemError(
                        "type %s extends itself (cycle through %s)" % (typedef.name, current.name)
                    )
                seen.add(current.name)
                chain.append(current)
                if current.extends is None:
                    current = None
                elif current.extends not in self.types:
                    raise TypeSystemError(
                        "type %s extends unknown type %s" % (current.name, current.extends)
                    )
                else:
                    current = self.types[current.extends]
            props = {}
            for ancestor in reversed(chain):
                props.update(ancestor.own)
            typedef.properties = props
        for typedef in self.types.values():
            for prop in typedef.properties.values():
                if prop.kind == "ci" and prop.referenced_type not in self.types:
                    raise TypeSystemError("%s.%s refers to unknown type %s" % (
                        typedef.name, prop.name, prop.referenced_type))

    # --- queries -----------------------------------------------------------
    def get(self, name: str) -> TypeDef:
        try:
            return self.types[str(name)]
        except KeyError:
            raise TypeSystemError("unknown type %s" % (name,)) from None

    def is_a(self, name: str, ancestor: str) -> bool:
        current = self.types.get(name)
        while current is not None:
            if current.name == ancestor:
                return True
            current = self.types.get(current.extends) if current.extends else None
        return False

    def task_types(self):
        return [t for t in self.types.values() if self.is_a(t.name, TASK_BASE) and not t.virtual]

    def configuration_types(self):
        return [
            t
            for t in self.types.values()
            if self.is_a(t.name, CONFIGURATION_BASE) and not t.virtual
        ]

    def build_values(
        self, type_name: str, values: dict, owner: str | None = None, check_required=False
    ):
        """Defaults of ``type_name`` overlaid with ``values``, each checked."""
        typedef = self.get(type_name)
        result = {name: prop.default_value() for name, prop in typedef.properties.items()}
        for name, value in values.items():
            prop = typedef.property(name)
            result[name] = prop.coerce(value, owner or type_name)
        if check_required:
            self.check_required(typedef, result, lambda p: True)
        return result

    @staticmethod
    def missing_required(typedef: TypeDef, values: dict, which) -> list[str]:
        return [p.name for p in typedef.properties.values()
                if which(p) and p.required and p.kind in ("string", "ci", "enum", "integer", "date")
                and values.get(p.name) in (None, "")]

    def check_required(self, typedef, values, which):
        missing = self.missing_required(typedef, values, which)
        if missing:
            raise TypeSystemError("%s: required properties without a value: %s" % (
                typedef.name, ", ".join(missing)))
