"""Helpers shared by the sandbox tests (a uniquely named module: test folders
without __init__.py share one import namespace)."""
from __future__ import annotations

import sys
from pathlib import Path

from sandbox import Plugin, Server, VirtualClock, demo
from sandbox.conf import write_conf
from sandbox.schemas import synthetic_xsd
from sandbox.server import XL_RELEASE

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "plugin"
# Digital.ai's schema where at hand (sandbox/schemas.py), else None: the
# sandbox then loads synthetic.xml unvalidated, as it does for the demo.
SYNTHETIC_XSD = synthetic_xsd()[0]
# Called by the fixture plugin's job script with (taskApi, Comment); cleared per test.
JOB_HOOKS = []


def fixture_plugin() -> Plugin:
    return Plugin.from_source_tree(FIXTURE / "ext", libraries=[FIXTURE / "lib"])


def xlr_server(home, clock, plugins=None, **switches) -> Server:
    """A server with the fixture plugin in XL Release mode (whatever the
    sandbox's defaults), with ``switches`` changing single rules."""
    return Server(home, plugins or [fixture_plugin()], clock=clock, synthetic_xsd=SYNTHETIC_XSD,
                  **dict(XL_RELEASE, **switches))


# The fetch job's rhythm in the run_jobs=True tests.
JOB_CONF = "xl.remote-completion { startup-delay = 1 second\n sync-interval = 2 seconds }\n"


def demo_server(home, mail, conf, plugin=None, **switches):
    """(server, clock): a server (not started) running the real plugin from
    this repository (or ``plugin``) on a virtual clock, ``conf`` its
    configuration file, configured as the demo does against ``mail`` (the
    hub and passwords of demo.make_hub)."""
    write_conf(home, conf)
    clock = VirtualClock()
    server = Server(home, [plugin or Plugin.from_repo(REPO)], clock=clock, **switches)
    demo.configure_server(server, *mail)
    return server, clock


def fixture_lib():
    """The fixture library as the running plugin imported it."""
    return sys.modules["fixture_lib"]


def one_task_release(server, task_type="fixture.Scripted", title="The task", then_manual=False,
                     **props):
    """A started release with one task (optionally followed by a manual task)."""
    release = server.create_release("Release under test")
    phase = server.add_phase(release, "Phase one")
    task = server.add_task(phase, task_type, title, **props)
    after = server.add_task(phase, "xlrelease.Task", "Afterwards") if then_manual else None
    server.start_release(release)
    return release, task, after


def status(server, task_id) -> str:
    return str(server.task_bean(task_id).status)
