"""Mail for benchmarks: signed replies (the host contract's template) and junk."""
from __future__ import annotations

import os
import sys
from email.utils import formatdate, make_msgid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "plugin"))

from remote_completion import signature  # noqa: E402


def reply(secret: str, task, sender: str, mailbox_address: str, action: str = "COMPLETE",
          release_title: str = "Benchmark release", comment: str = "Looks good, go ahead.") -> bytes:
    verb = "Complete" if action == "COMPLETE" else "Fail"
    sig = signature.sign(secret, action, task.id, sender, getattr(task, "run", "0123456789abcdef"))
    body = "\r\n".join([
        comment, "", "",
        "Please send this message to %s task with title '%s' on release '%s'"
        % (verb, task.title, release_title),
        "",
        "METADATA (DO NOT MODIFY)",
        "ACTION: %s" % action,
        "TASK_ID: %s" % task.id,
        "SIGNATURE: %s" % sig,
        ""])
    headers = "\r\n".join([
        "From: %s" % sender,
        "To: %s" % mailbox_address,
        "Subject: %s: %s" % (verb, task.title),
        "Date: %s" % formatdate(localtime=False),
        "Message-ID: %s" % make_msgid(domain="bench.example"),
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "", ""])
    return (headers + body).encode("utf-8")


def junk(size: int, sender: str = "bulk@junk.example", to: str = "xlr@bench.example") -> bytes:
    """A message of about ``size`` bytes: a text body of 76-character lines."""
    head = ("From: %s\r\nTo: %s\r\nSubject: Monthly newsletter\r\nDate: %s\r\n"
            "Message-ID: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n"
            % (sender, to, formatdate(), make_msgid(domain="junk.example"))).encode()
    line = b"x" * 76 + b"\r\n"
    return head + line * max(1, (size - len(head)) // len(line))
