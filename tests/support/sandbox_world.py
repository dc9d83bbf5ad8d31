"""The real plugin in a sandbox server with the sandbox's own mail servers:
what the request and fetcher lanes' sandbox tests build their worlds from
(a started server and mail hub, the IMAP configuration, a started task)."""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from sandbox import mailclient
from sandbox import server as sandbox_server
from sandbox.clock import VirtualClock
from sandbox.conf import write_conf
from sandbox.mail import MailHub
from sandbox.plugin import Plugin

REPO = Path(__file__).resolve().parents[2]
TASK_TYPE = "remoteCompletion.RemoteCompletionTask"
IMAP_TYPE = "remoteCompletion.ImapServer"
FETCHING_OFF = "xl.remote-completion { fetching-enabled = false }\n"


@contextlib.contextmanager
def plugin_world(tmp_path, conf, people=None, smtp=True, hub=None, **switches):
    """(server, hub, clock): a started ``MailHub`` (``hub``: its keyword
    arguments) and a started sandbox server running the plugin from this
    repository on a virtual clock, ``conf`` its configuration file,
    ``switches`` its rules; the users of ``people`` ({username: (full name,
    address)}); with ``smtp``, the hub's SMTP server (STARTTLS) as XL
    Release's mail server.  Both servers are stopped afterwards."""
    mail = MailHub(tmp_path / "mail", **(hub or {})).start()
    home = tmp_path / "home"
    write_conf(home, conf)
    clock = VirtualClock()
    server = sandbox_server.Server(home, plugins=[Plugin.from_repo(REPO)], clock=clock,
                                   **switches)
    try:
        server.start()
        for username, (name, address) in (people or {}).items():
            server.add_user(username, email=address, full_name=name)
        if smtp:
            server.set_smtp_server(host="localhost", port=mail.smtp_port, tls=True,
                                   fromAddress="XL Release <xlr@example.com>")
        yield server, mail, clock
    finally:
        server.stop()
        mail.stop()


def imap_configuration(server, hub, title="Remote completion mailbox", **fields):
    """An IMAP server configuration for the hub's mailbox (implicit TLS, the
    hub's CA trusted); ``fields`` add to or replace its values (a folder, a
    secret, another from-address, ...)."""
    values = dict(host="localhost", port=hub.imap_tls_port, useTls=True, tlsMode="IMPLICIT",
                  username=hub.imap_user, password=hub.imap_password,
                  fromAddress=hub.remote_address, trustedCertificates=hub.ca_pem.read_text())
    values.update(fields)
    return server.create_configuration(IMAP_TYPE, title, **values)


def start_task(server, clock, release_title, folder=None, **assignment):
    """A started release (in ``folder`` if given) whose one remote completion
    task "Approve" is assigned as ``assignment`` says; the start script has
    run.  Returns the task's id."""
    release = server.create_release(release_title, folder=folder)
    phase = server.add_phase(release, "Production")
    task_id = server.add_task(phase, TASK_TYPE, "Approve", **assignment)
    server.start_release(release)
    clock.advance(0)   # the start script runs
    return task_id


def comments_text(server, task_id):
    """The task's comments, one text."""
    return "\n".join(c.text for c in server.task_bean(task_id).comments)


def mail_client(hub, address, full_name):
    """A person's mail client sending through the hub (verified STARTTLS)."""
    return mailclient.MailClient(address, mailclient.SmtpAccount(
        hub.smtp_host, hub.smtp_port, hub.ca_pem, "starttls"), full_name=full_name)


def next_cycle_due():
    """A new sync-interval has passed for the plugin's JVM-wide fetch slot (it
    counts wall-clock time; the sandbox's clock is virtual).  Nothing to do
    before the plugin's polling module is loaded."""
    polling = sys.modules.get("remote_completion.polling")
    if polling is not None:
        polling._store[0] = None
