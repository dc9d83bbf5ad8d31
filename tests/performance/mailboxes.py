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
                typ, data = client.uid(
                    "FETCH", b",".join(uids), "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])"
                )
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


def fill_maildir(dovecot, user, messages, copies=1):
    """Put ``messages`` (bytes each, each ``copies`` times) straight into
    ``user``'s Maildir, in order: tens of thousands in a second or two, where
    APPEND takes minutes (copies are hard links to one file).  Dovecot gives
    them UIDs in file-name order at the next SELECT.  Returns the count."""
    import os
    import pwd
    root = dovecot.root / "mail" / user / "Maildir"
    owner = None
    if os.geteuid() == 0:   # Dovecot runs the mail processes as "dovecot"
        entry = pwd.getpwnam("dovecot")
        owner = (entry.pw_uid, entry.pw_gid)
    for path in (dovecot.root / "mail" / user, root, root / "cur", root / "new", root / "tmp"):
        path.mkdir(exist_ok=True)
        if owner:
            os.chown(path, *owner)
    cur = str(root / "cur")
    count = 0
    for raw in messages:
        first = None
        for _ in range(copies):
            count += 1
            name = os.path.join(cur, "1700000000.M%09dP1.filled:2," % count)
            if first is None:
                fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                try:
                    os.write(fd, raw)
                    if owner:
                        os.fchown(fd, *owner)
                finally:
                    os.close(fd)
                first = name
            else:
                os.link(first, name)
    return count


def imap_uids(uid_set: bytes) -> set[int]:
    """The UIDs of an IMAP uid-set such as ``b"1:3,7"``."""
    uids = set()
    for part in uid_set.decode().split(","):
        low, _, high = part.partition(":")
        uids.update(range(int(low), int(high or low) + 1))
    return uids
