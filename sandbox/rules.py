"""Reading ``xl-rules.xml``: the plugin's scheduled jobs and task-event scripts.

XL Release itself has no such file (it is XL Deploy's name); in this project
it declares what XL Release wires up for the plugin (format: docs/xl-rules.md,
schema: schemas/xl-rules.xsd, namespace ``urn:xlr-remote-completion:xl-rules:1``):

- ``<scheduled-job name script>`` with ``<enabled>``, ``<interval>`` and
  ``<startup-delay>`` children, each naming its ``conf-key`` in
  xl-release.conf and its ``default``;
- ``<task-event type on="start|retry" script-property>``: the script run when a
  task of that type starts or is retried is the default of that property.

The file is validated against the schema when the schema is at hand, and
checked here either way, so a sandbox without the schema is no laxer.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from lxml import etree

from .conf import parse_boolean, parse_duration
from .errors import ConfError, PluginError

NS = "urn:xlr-remote-completion:xl-rules:1"
EVENTS = ("start", "retry")


@dataclasses.dataclass(frozen=True)
class Setting:
    conf_key: str
    default: str  # as written in xl-rules.xml; read like a conf value


@dataclasses.dataclass(frozen=True)
class ScheduledJob:
    name: str
    script: str
    enabled: Setting
    interval: Setting
    startup_delay: Setting
    long_lived: bool = False  # may block (push): its own thread, interrupted at shutdown


@dataclasses.dataclass(frozen=True)
class TaskEvent:
    task_type: str
    on: str
    script_property: str


@dataclasses.dataclass(frozen=True)
class Rules:
    jobs: tuple[ScheduledJob, ...] = ()
    task_events: tuple[TaskEvent, ...] = ()

    def event(self, task_type: str, on: str):
        for rule in self.task_events:
            if rule.task_type == task_type and rule.on == on:
                return rule
        return None


def _local(element) -> str:
    return etree.QName(element).localname


def _children(element):
    return [c for c in element if isinstance(c.tag, str)]


def _setting(job, tag, where, parse):
    found = [c for c in _children(job) if _local(c) == tag]
    if len(found) != 1:
        raise PluginError("%s: <scheduled-job> needs exactly one <%s>" % (where, tag))
    key, default = found[0].get("conf-key"), found[0].get("default")
    if not key or default is None:
        raise PluginError("%s: <%s> needs conf-key and default" % (where, tag))
    try:
        parse(default, "default of <%s> (%s)" % (tag, key))  # refuse a bad default now
        return Setting(key, default)
    except ConfError as exc:
        raise PluginError("%s: %s" % (where, exc)) from None


def parse_rules(xml: bytes | None, source: str = "xl-rules.xml", xsd: Path | None = None) -> Rules:
    if xml is None:
        return Rules()
    try:
        root = etree.fromstring(xml)
    except etree.XMLSyntaxError as exc:
        raise PluginError("%s: not well-formed XML: %s" % (source, exc)) from None
    if xsd is not None and Path(xsd).exists():
        schema = etree.XMLSchema(etree.parse(str(xsd)))
        if not schema.validate(root):
            raise PluginError("%s does not match %s: %s" % (source, Path(xsd).name, "; ".join(
                "line %d: %s" % (e.line, e.message) for e in schema.error_log)))
    if etree.QName(root).namespace != NS or _local(root) != "rules":
        raise PluginError("%s: the root element must be <rules xmlns=\"%s\">" % (source, NS))
    jobs, events, names = [], [], set()
    for element in _children(root):
        tag = _local(element)
        where = "%s line %d" % (source, element.sourceline)
        if tag == "scheduled-job":
            name, script = element.get("name"), element.get("script")
            if not name or not script:
                raise PluginError("%s: <scheduled-job> needs name and script" % where)
            if name in names:
                raise PluginError("%s: two jobs named %s" % (where, name))
            names.add(name)
            jobs.append(ScheduledJob(
                name, script,
                _setting(element, "enabled", where, parse_boolean),
                _setting(element, "interval", where, parse_duration),
                _setting(element, "startup-delay", where, parse_duration),
                element.get("long-lived", "false").strip() in ("true", "1")))
        elif tag == "task-event":
            rule = TaskEvent(element.get("type"), element.get("on"), element.get("script-property"))
            if not all((rule.task_type, rule.on, rule.script_property)):
                raise PluginError("%s: <task-event> needs type, on and script-property" % where)
            if rule.on not in EVENTS:
                raise PluginError(
                    "%s: <task-event on=%r>: events are %s" % (where, rule.on, EVENTS)
                )
            if any(e.task_type == rule.task_type and e.on == rule.on for e in events):
                raise PluginError("%s: a second %s hook for %s" % (where, rule.on, rule.task_type))
            events.append(rule)
        else:
            raise PluginError("%s: unexpected element <%s>" % (where, tag))
    return Rules(tuple(jobs), tuple(events))
