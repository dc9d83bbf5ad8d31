"""Small helpers over a Dovecot mailbox for the push tests."""
from __future__ import annotations

import email
import threading

from remote_completion import imap, tls


def open_mailbox_factory(port, user, password, tls_mode="none", ca_pem=None, host="127.0.0.1"):
    """(open_mailbox, close_mailbox) for push.PushLoop, on the plugin's ImapClient."""
    def open_mailbox():
        context = tls.client_context(ca_pem) if tls_mode != "none" else None
        client = imap.ImapClient(host, port, tls_mode, context, timeout=5).connect()
        try:
            client.login(user, password)
            client.select("INBOX")
        except Exception:
            client.close()
            raise
        return client

    return open_mailbox, lambda client: client.logout()


class Drainer:
    """A stand-in fetch cycle: takes every message out of the box and
    remembers its Subject, so a test can wait for one with a deadline."""

    def __init__(self, dovecot, user):
        self.dovecot = dovecot
        self.user = user
        self.seen: list[str] = []
        self.cycles = 0
        self._changed = threading.Condition()

    def __call__(self):
        client = self.dovecot.client(self.user)
        try:
            client.select("INBOX")
            typ, data = client.uid("SEARCH", "ALL")
            uids = data[0].split()
            subjects = []
            if uids:
                typ, data = client.uid("FETCH", b",".join(uids), "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
                for entry in data:
                    if isinstance(entry, tuple):
                        subjects.append(str(email.message_from_bytes(entry[1])["Subject"]))
                client.uid("STORE", b",".join(uids), "+FLAGS.SILENT", "(\\Deleted)")
                client.expunge()
        finally:
            client.logout()
        with self._changed:
            self.cycles += 1
            self.seen.extend(subjects)
            self._changed.notify_all()

    def wait_for(self, subject: str, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: subject in self.seen, timeout)


def message(subject: str) -> bytes:
    return ("From: someone@example.org\r\nTo: xlr@example.org\r\nSubject: %s\r\n\r\nhello\r\n"
            % subject).encode()
