"""Mail for benchmarks: signed replies (the host contract's template), replies
with large headers, and junk.  Deterministic (same number, same bytes), so
CPython and Jython drain the same mail.  Python 2.7 and 3."""
from __future__ import absolute_import

import os
import quopri
import sys
import zlib

_PLUGIN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "plugin")
if _PLUGIN not in sys.path:
    sys.path.insert(0, _PLUGIN)

from benchmarks import adapters  # noqa: E402

DATE = "Wed, 02 Dec 2026 08:00:00 +0000"


def reply(secret, task, sender, mailbox_address, action="COMPLETE",
          release_title="Benchmark release", comment="Looks good, go ahead.", extra_header=0,
          client="plain"):
    """A reply as a mail client sends it; ``extra_header`` bytes of extra
    (Received-like) header lines, as relays add them.  ``client``: "plain"
    (one text/plain part, as Apple Mail and Thunderbird send a mailto
    draft) or "gmail" (multipart/alternative: the text and its HTML, both
    quoted-printable, as Gmail and Outlook send it)."""
    verb = "Complete" if action == "COMPLETE" else "Fail"
    sig = adapters.sign(secret, action, task, sender)
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
    lines = [
        "From: %s" % sender,
        "To: %s" % mailbox_address,
        "Subject: %s: %s" % (verb, task.title),
        "Date: %s" % DATE,
        "Message-ID: <bench-%s@bench.example>" % task.id.rsplit("/", 1)[-1],
        "MIME-Version: 1.0"]
    if client == "gmail":
        body, content_type = _alternative(body, task.id)
        lines.append(content_type)
    else:
        lines.extend(["Content-Type: text/plain; charset=utf-8",
                      "Content-Transfer-Encoding: 8bit"])
    index = 0
    while extra_header > 0:
        # A relay's trace field: about 400 bytes folded over lines, as Received
        # and signature fields are (the parser allows 500 fields of 16 KiB).
        field = "X-Relay-Trace: hop %d" % index + "".join(
            "\r\n\tby relay%d.bench.example with ESMTPS id %s" % (k, "r" * 40)
            for k in range(5))
        lines.append(field)
        extra_header -= len(field) + 2
        index += 1
    headers = "\r\n".join(lines + ["", ""])
    return (headers + body).encode("utf-8")


def _qp(text):
    encoded = quopri.encodestring(text.encode("utf-8")).decode("ascii")
    return encoded.replace("\r\n", "\n").replace("\n", "\r\n")


def _alternative(text, task_id):
    """(body, Content-Type line) of Gmail's multipart/alternative: the text,
    then each of its lines as a <div> (an empty line as <br>)."""
    boundary = "000000000000%08x" % (zlib.crc32(task_id.encode("utf-8")) & 0xFFFFFFFF)
    html = '<div dir="ltr">' + "".join(
        "<div>%s</div>" % (line.replace("&", "&amp;").replace("<", "&lt;")
                           .replace(">", "&gt;") or "<br>")
        for line in text.split("\r\n")) + "</div>"
    body = "".join("--%s\r\nContent-Type: %s; charset=\"UTF-8\"\r\n"
                   "Content-Transfer-Encoding: quoted-printable\r\n\r\n%s\r\n"
                   % (boundary, kind, _qp(part))
                   for kind, part in (("text/plain", text), ("text/html", html)))
    return (body + "--%s--\r\n" % boundary,
            'Content-Type: multipart/alternative; boundary="%s"' % boundary)


def junk(size, sender="bulk@junk.example", to="xlr@bench.example"):
    """A message of about ``size`` bytes: a text body of 76-character lines."""
    head = ("From: %s\r\nTo: %s\r\nSubject: Monthly newsletter\r\nDate: %s\r\n"
            "Message-ID: <junk-%d@junk.example>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain\r\n\r\n" % (sender, to, DATE, size)).encode("ascii")
    line = b"x" * 76 + b"\r\n"
    return head + line * max(1, (size - len(head)) // len(line))
