"""A mail client stand-in: clicks a button of a request mail and sends the reply.

What a person's mail client does with the remote completion request:
1. find the button link (an ``<a href="mailto:...">`` in the HTML part; the
   plain part carries the same links as text);
2. open a new message from the ``mailto:`` URI as RFC 6068 says: the
   recipients are the percent-decoded address part (plus any ``to``
   header field), ``subject`` and ``body`` are percent-decoded UTF-8, ``+``
   stays a plus, the body's line breaks are CRLF; other header fields are
   ignored except ``cc`` (clients ignore unsafe ones);
3. the person may type a comment on the empty first line, above the block;
4. send it over SMTP from the person's own address.

Written independently of the plugin's ``mailto`` module on purpose: the demo
and tests check the plugin's links against a second reading of the RFC.
"""
from __future__ import annotations

import dataclasses
import email.policy
import email.utils
import re
import smtplib
import ssl
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

ACTIONS = ("COMPLETE", "FAIL")
_PLAIN_MAILTO = re.compile(r"mailto:[^\s<>\"')\]]+", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Draft:
    """A new message as a mail client opens it from a mailto link."""
    to: tuple[str, ...]
    subject: str
    body: str
    cc: tuple[str, ...] = ()
    uri: str = ""

    @property
    def action(self) -> str | None:
        """COMPLETE or FAIL by the subject (``Complete: ...``/``Fail: ...``)."""
        head = self.subject.split(":", 1)[0].strip().upper()
        return head if head in ACTIONS else None


def parse_mailto(uri: str) -> Draft:
    if not uri.lower().startswith("mailto:"):
        raise ValueError("not a mailto link: %r" % (uri[:40],))
    rest = uri[len("mailto:"):]
    path, _, query = rest.partition("?")
    to = [a.strip() for a in unquote(path, errors="strict").split(",") if a.strip()]
    subject, body, cc = "", "", []
    for field in query.split("&") if query else ():
        if not field:
            continue
        name, _, value = field.partition("=")
        name = unquote(name).lower()
        value = unquote(value, errors="strict")
        if name == "subject":
            subject = value
        elif name == "body":
            body = value
        elif name == "to":
            to += [a.strip() for a in value.split(",") if a.strip()]
        elif name == "cc":
            cc += [a.strip() for a in value.split(",") if a.strip()]
    # RFC 6068: line breaks in a body are CRLF; normalise any bare ones.
    body = body.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
    return Draft(tuple(to), subject, body, tuple(cc), uri)


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.anchors = []   # (href, text)
        self._href = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.anchors.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def _part(message, subtype):
    for part in message.walk():
        if part.get_content_type() == "text/" + subtype and not part.is_attachment():
            return part.get_content()
    return None


def html_links(message) -> list[tuple[str, str]]:
    """(href, link text) of every mailto anchor in the HTML part."""
    html = _part(message, "html")
    if html is None:
        return []
    parser = _Anchors()
    parser.feed(html)
    return [
        (href, text)
        for href, text in parser.anchors
        if href and href.lower().startswith("mailto:")
    ]


def plain_links(message) -> list[str]:
    text = _part(message, "plain")
    return _PLAIN_MAILTO.findall(text) if text else []


def button(message, action: str, part: str = "html") -> Draft:
    """The draft a click on the Complete/Fail button opens (``part``: html or plain)."""
    action = action.upper()
    if action not in ACTIONS:
        raise ValueError("action is COMPLETE or FAIL")
    uris = [href for href, _ in html_links(message)] if part == "html" else plain_links(message)
    drafts = [parse_mailto(uri) for uri in uris]
    matching = [d for d in drafts if d.action == action]
    if not matching:
        raise LookupError(
            "no %s link in the %s part (found %d mailto links)" % (action, part, len(drafts))
        )
    if len({d.uri for d in matching}) > 1:
        raise LookupError("more than one different %s link in the %s part" % (action, part))
    return matching[0]


def type_comment(draft: Draft, comment: str | None) -> str:
    """The body after the person typed ``comment`` on the empty first line."""
    if not comment:
        return draft.body
    comment = comment.replace("\r\n", "\n").replace("\n", "\r\n")
    return comment + draft.body


def compose(
    draft: Draft, sender: str, comment: str | None = None, sender_name: str | None = None
) -> EmailMessage:
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = email.utils.formataddr((sender_name, sender)) if sender_name else sender
    message["To"] = ", ".join(draft.to)
    if draft.cc:
        message["Cc"] = ", ".join(draft.cc)
    message["Subject"] = draft.subject
    message["Date"] = email.utils.formatdate(localtime=True)
    message["Message-ID"] = email.utils.make_msgid(domain=sender.rpartition("@")[2] or None)
    message["User-Agent"] = "sandbox-mailclient/1"
    message.set_content(type_comment(draft, comment).replace("\r\n", "\n"))
    return message


@dataclasses.dataclass
class SmtpAccount:
    """How a person's client submits mail."""
    host: str
    port: int
    ca_pem: Path | None
    security: str = "starttls"    # starttls | implicit | none
    login: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)


def send(message: EmailMessage, account: SmtpAccount, timeout: float = 30.0) -> None:
    context = ssl.create_default_context(cafile=str(account.ca_pem)) if account.ca_pem else \
        ssl.create_default_context()
    sender = email.utils.parseaddr(str(message["From"]))[1]
    if account.security == "implicit":
        client = smtplib.SMTP_SSL(account.host, account.port, context=context, timeout=timeout)
    else:
        client = smtplib.SMTP(account.host, account.port, timeout=timeout)
    with client:
        if account.security == "starttls":
            client.starttls(context=context)
        if account.login:
            client.login(account.login, account.password)
        client.send_message(message, from_addr=sender)


class MailClient:
    """One person's mail client: reads a request, clicks, sends."""

    def __init__(self, address: str, account: SmtpAccount, full_name: str | None = None):
        self.address = address
        self.account = account
        self.full_name = full_name

    def click(
        self, request, action: str, comment: str | None = None, part: str = "html"
    ) -> EmailMessage:
        draft = button(request, action, part)
        reply = compose(draft, self.address, comment, self.full_name)
        send(reply, self.account)
        return reply

    def reply(self, request, words: str) -> EmailMessage:
        """Press Reply on ``request`` and type ``words`` above the quote (as
        most clients do: Reply-To, Re: subject, In-Reply-To/References)."""
        reply = reply_to(request, self.address, words, self.full_name)
        send(reply, self.account)
        return reply


def reply_to(request, sender: str, words: str, sender_name: str | None = None) -> EmailMessage:
    """A plain Reply to ``request``: ``words`` on top, the request's text quoted."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = email.utils.formataddr((sender_name, sender)) if sender_name else sender
    message["To"] = str(request["Reply-To"] or request["From"])
    message["Subject"] = "Re: " + str(request["Subject"])
    message["Date"] = email.utils.formatdate(localtime=True)
    message["Message-ID"] = email.utils.make_msgid(domain=sender.rpartition("@")[2] or None)
    original = str(request["Message-ID"] or "").strip()
    if original:
        message["In-Reply-To"] = original
        message["References"] = original
    message["User-Agent"] = "sandbox-mailclient/1"
    text = _part(request, "plain") or ""
    quoted = "\n".join(("> " + line).rstrip() for line in text.replace("\r\n", "\n").split("\n"))
    message.set_content("%s\n\nOn %s, %s wrote:\n%s\n" % (
        words, request["Date"], request["From"], quoted))
    return message
