"""xl-rules.xml: valid against schemas/xl-rules.xsd, and consistent with
synthetic.xml and with remote_completion.settings."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from remote_completion import settings

REPO = Path(__file__).resolve().parents[2]
NS = {"r": "urn:xlr-remote-completion:xl-rules:1"}
SYN = {"s": "http://www.xebialabs.com/deployit/synthetic"}


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(REPO / "schemas" / "xl-rules.xsd")))


@pytest.fixture(scope="module")
def rules():
    return etree.parse(str(REPO / "xl-rules.xml"))


def test_valid(schema, rules):
    assert schema.validate(rules), schema.error_log


@pytest.mark.parametrize(
    "mutate",
    [
        lambda root: root.find("r:task-event", NS).set("on", "complete"),
        lambda root: root.find("r:scheduled-job/r:interval", NS).set("default", "thirty"),
        lambda root: root.find("r:scheduled-job/r:enabled", NS).set("default", "maybe"),
        lambda root: root.find("r:scheduled-job", NS).set("script", "../etc/passwd"),
        lambda root: root.append(etree.fromstring(etree.tostring(root.find("r:task-event", NS)))),
        lambda root: root.find("r:scheduled-job", NS).remove(
            root.find("r:scheduled-job/r:startup-delay", NS)
        ),
    ],
    ids=[
        "unknown event", "bad duration", "bad boolean", "bad script path", "duplicate hook",
        "missing setting"],
)
def test_schema_rejects(schema, rules, mutate):
    root = etree.fromstring(etree.tostring(rules))
    mutate(root)
    assert not schema.validate(root)


def test_fetch_job(rules):
    jobs = rules.findall("r:scheduled-job", NS)
    assert len(jobs) == 1
    job = jobs[0]
    assert job.get("script") == "remoteCompletion/FetchMail.py"
    keys = {child.tag.split("}")[1]: (child.get("conf-key"), child.get("default")) for child in job}
    assert keys == {
        "enabled": ("xl.remote-completion.fetching-enabled", "true"),
        "interval": ("xl.remote-completion.sync-interval", "30 seconds"),
        "startup-delay": ("xl.remote-completion.startup-delay", "30 seconds"),
    }


def test_defaults_agree_with_settings(rules):
    """The sandbox reads the defaults from xl-rules.xml, the library from
    settings.py: one value each."""
    defaults = settings.defaults().as_dict()
    parsers = {"enabled": settings.parse_bool, "interval": settings.parse_duration,
               "startup-delay": settings.parse_duration}
    for child in rules.find("r:scheduled-job", NS):
        conf_key = child.get("conf-key")
        section, _, key = conf_key.rpartition(".")
        assert section == settings.SECTION and key in settings.KNOWN_KEYS
        assert parsers[child.tag.split("}")[1]](child.get("default")) == defaults[key], conf_key


def test_task_events_point_at_the_start_script(rules):
    syn = etree.parse(str(REPO / "synthetic.xml"))
    events = {
        (e.get("type"), e.get("on")): e.get("script-property")
        for e in rules.findall("r:task-event", NS)
    }
    assert set(events) == {("remoteCompletion.RemoteCompletionTask", "start"),
                           ("remoteCompletion.RemoteCompletionTask", "retry")}
    for (type_name, _on), prop in events.items():
        found = syn.find(f"s:type[@type='{type_name}']/s:property[@name='{prop}']", SYN)
        assert found is not None and found.get("default") == "remoteCompletion/StartTask.py"


def test_scripts_exist():
    rules = etree.parse(str(REPO / "xl-rules.xml"))
    for job in rules.findall("r:scheduled-job", NS):
        assert (REPO / "ext" / job.get("script")).is_file(), job.get("script")
