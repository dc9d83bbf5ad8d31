"""Realistic reply mails, shaped the way real clients send them.

Each builder takes the reply template (from ``compose.reply_template``, as the
mailto link fills it in) plus the person's comment and returns raw bytes as
that client would put them on the wire: Gmail (multipart/alternative, QP,
``<div>`` lines), Outlook (windows-1252, QP, ``<p class=MsoNormal>``,
``&nbsp;``), Apple Mail (format=flowed; delsp=yes), Thunderbird (flowed,
quoted history), hard re-wrapping clients, HTML-only and base64 bodies.
"""
from __future__ import annotations

import base64
import html
import quopri
import textwrap

from remote_completion import compose, signature

SECRET = "s3cret-for-tests-0123456789"
TASK_ID = "Applications/Folder0a1b/Release4c5d6e7f/Phase8a9b0c1d/Task2e3f4a5b"
ALICE = "alice@example.com"
MAILBOX = "xlr-replies@corp.example"
DATE = "Wed, 25 Nov 2026 10:00:00 +0000"


RUN = "0123456789abcdef"     # the run every fake task is in unless told


def imap_config(**kw):
    """The reply mailbox's configuration as the fetcher reads it (host.ImapConfig)."""
    from remote_completion import host
    values = dict(host="imap.corp.example", port=993, username="xlr", password="pw",
                  from_address=MAILBOX, secret=SECRET, enable_whitelisting=False,
                  domain_whitelist=[])
    values.update(kw)
    return host.ImapConfig(**values)


def sign(action="COMPLETE", task_id=TASK_ID, recipient=ALICE, run=RUN, secret=SECRET):
    return signature.sign(secret, action, task_id, recipient, run)


def template(action="COMPLETE", task_id=TASK_ID, sig=None, comment="", recipient=ALICE,
             run=RUN, task_title="Deploy to production", release_title="Release 4.2"):
    """(subject, body text with CRLF) as the mailto link fills them in, with
    the person's comment typed into the empty lines at the top."""
    sig = sig if sig is not None else sign(action, task_id, recipient, run)
    subject, body = compose.reply_template(action, task_title, release_title, task_id, sig)
    if comment:
        body = comment.replace("\n", "\r\n") + "\r\n" + body
    return subject, body


def headers(subject, sender=ALICE, to=MAILBOX, extra=()):
    lines = [
        f"From: {sender}" if "<" in sender or "," in sender else f"From: Alice Smith <{sender}>",
        f"To: {to}", f"Subject: {subject}", f"Date: {DATE}",
        "Message-ID: <reply-1@mail.example.com>", "MIME-Version: 1.0"]
    lines.extend(extra)
    return "\r\n".join(lines) + "\r\n"


def _qp(text: str, charset="utf-8") -> str:
    return quopri.encodestring(text.encode(charset)).decode("ascii").replace("\n", "\r\n").replace(
        "\r\r\n", "\r\n")


def _b64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii").replace("\n", "\r\n")


# --- the clients -------------------------------------------------------------

def plain(body, subject="Complete: Deploy to production", charset="utf-8", **kw) -> bytes:
    return (headers(subject, **kw) + f"Content-Type: text/plain; charset={charset}\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n").encode("ascii") + body.encode(charset)


def html_of(body: str, line_tag="div") -> str:
    """Body text as a client's HTML: one element (or <br>) per line, entities."""
    parts = []
    for line in body.split("\r\n"):
        escaped = html.escape(line, quote=False) or "<br>"
        parts.append(f"<{line_tag}>{escaped}</{line_tag}>")
    return "<html><head><style>div{{}}</style></head><body>" + "\n".join(parts) + "</body></html>"


def gmail(body, subject="Complete: Deploy to production", **kw) -> bytes:
    """multipart/alternative; text/plain QP; text/html QP with <div dir=ltr> lines."""
    html_body = (
        '<div dir="ltr">'
        + "".join(
            f"<div>{html.escape(line, quote=False) or '<br>'}</div>" for line in body.split("\r\n")
        )
        + "</div>"
    )
    boundary = "000000000000a1b2c3d4e5f6"
    return (
        headers(subject, **kw)
        + f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain; charset=\"UTF-8\"\r\n"
        f"Content-Transfer-Encoding: quoted-printable\r\n\r\n{_qp(body)}\r\n"
        f"--{boundary}\r\nContent-Type: text/html; charset=\"UTF-8\"\r\n"
        f"Content-Transfer-Encoding: quoted-printable\r\n\r\n{_qp(html_body)}\r\n"
        f"--{boundary}--\r\n"
    ).encode("ascii")


def outlook(body, subject="Complete: Deploy to production", **kw) -> bytes:
    """windows-1252 QP text plus Word-style HTML with &nbsp; and <o:p>."""
    paragraphs = []
    for line in body.split("\r\n"):
        text = html.escape(line, quote=False).replace(": ", ":&nbsp;") or "<o:p>&nbsp;</o:p>"
        paragraphs.append(f'<p class=MsoNormal><span lang=EN-US>{text}<o:p></o:p></span></p>')
    html_body = (
        "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><head>"
        "<meta http-equiv=Content-Type content=\"text/html; charset=windows-1252\">"
        "<style><!-- p.MsoNormal {margin:0cm;} --></style></head>"
        "<body lang=EN-US><div class=WordSection1>"
        + "\r\n".join(paragraphs)
        + "</div></body></html>"
    )
    boundary = "_000_AM0PR01MB1234ABCDEFGHIJKLMNOP_"
    return (
        headers(subject, **kw) + f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n'
        "Content-Language: en-US\r\nX-MS-Has-Attach:\r\n\r\n"
        f"--{boundary}\r\nContent-Type: text/plain; charset=\"windows-1252\"\r\n"
        f"Content-Transfer-Encoding: quoted-printable\r\n\r\n{_qp(body, 'cp1252')}\r\n"
        f"--{boundary}\r\nContent-Type: text/html; charset=\"windows-1252\"\r\n"
        f"Content-Transfer-Encoding: quoted-printable\r\n\r\n{_qp(html_body, 'cp1252')}\r\n"
        f"--{boundary}--\r\n"
    ).encode("ascii")


def flow(body: str, width=30, delsp=True) -> str:
    """RFC 3676 encoding: long lines broken softly (a trailing space).  With
    delsp=yes a break may fall anywhere (even inside the signature)."""
    out = []
    for line in body.split("\r\n"):
        if line.startswith((" ", ">", "From ")):
            line = " " + line  # space-stuffing
        while len(line) > width:
            if delsp:
                out.append(line[:width] + " ")
                line = line[width:]
            else:
                cut = line.rfind(" ", 1, width)
                if cut <= 0:
                    break
                out.append(line[:cut + 1])
                line = line[cut + 1:]
        out.append(line)
    return "\r\n".join(out)


def apple_mail(body, subject="Complete: Deploy to production", **kw) -> bytes:
    """format=flowed; delsp=yes, 8bit UTF-8 (Apple Mail, iOS Mail)."""
    return (
        headers(subject, **kw)
        + "Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\r\n"
        "Content-Transfer-Encoding: 8bit\r\nX-Mailer: iPhone Mail (21A329)\r\n\r\n"
    ).encode("ascii") + flow(body, 30, True).encode("utf-8")


def thunderbird(body, subject="Complete: Deploy to production", **kw) -> bytes:
    """format=flowed (no delsp), long comment lines broken at spaces."""
    return (headers(subject, **kw) + "Content-Type: text/plain; charset=UTF-8; format=flowed\r\n"
            "Content-Transfer-Encoding: 7bit\r\nUser-Agent: Mozilla/5.0 Thunderbird/115.5.0\r\n\r\n"
            ).encode("ascii") + flow(body, 40, False).encode("utf-8")


def hard_wrapped(body, width=40, subject="Complete: Deploy to production", **kw) -> bytes:
    """A client that re-wraps every line at ``width`` with hard line breaks."""
    lines = []
    for line in body.split("\r\n"):
        if len(line) <= width:
            lines.append(line)
            continue
        lines.extend(textwrap.wrap(line, width, break_long_words=True, break_on_hyphens=False))
    return plain("\r\n".join(lines), subject, **kw)


def html_only(body, subject="Complete: Deploy to production", **kw) -> bytes:
    """One text/html part, base64, lines as <br> and entities everywhere."""
    markup = "<html><body>" + "<br>\r\n".join(
        html.escape(line, quote=False).replace("_", "&#95;").replace(" ", "&nbsp;", 1)
        for line in body.split("\r\n")) + "</body></html>"
    return (
        headers(subject, **kw) + "Content-Type: text/html; charset=utf-8\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode("ascii") + _b64(markup.encode("utf-8")).encode()


def base64_plain(body, subject="Complete: Deploy to production", **kw) -> bytes:
    return (
        headers(subject, **kw) + "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode("ascii") + _b64(body.encode("utf-8")).encode()


def quoted_reply(
    body, comment, depth=1, subject="Re: Complete: Deploy to production", **kw
) -> bytes:
    """A reply to the generated mail: comment on top, the original quoted."""
    prefix = ">" * depth + " "
    quoted = "\r\n".join((prefix + line).rstrip() for line in body.split("\r\n"))
    text = (
        comment
        + "\r\n\r\nOn Wed, 25 Nov 2026 at 09:58, Alice Smith <alice@example.com>\r\nwrote:\r\n"
        + quoted
        + "\r\n"
    )
    return plain(text, subject, **kw)


def good_reply(action="COMPLETE", comment="Deployed and verified.", client=plain, sender=ALICE,
               to=MAILBOX, extra=(), **template_kw):
    """A reply that acts: ``client`` shapes the mail (plain, gmail, ...)."""
    _subject, body = template(action, comment=comment, **template_kw)
    return client(body, sender=sender, to=to, extra=list(extra))
