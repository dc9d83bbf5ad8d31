"""An adversarial mail corpus, generated (deterministic seed) with the
outcome each message must have.

``build(seed)`` returns a ``Corpus``: a world (users, teams, roles, tasks,
the IMAP configuration) and a list of ``Entry``: raw RFC 5322 bytes plus the
expected outcome:

- ``Expect.act(action, task)``: the fetcher must complete/fail that task;
- ``Expect.ignore(reasons)``: no action; the logged reason is one of these
  (decide's reason codes);
- ``Expect.either(action, task, reasons)``: a damaged but genuine reply (broken
  MIME, lying charsets): acting is allowed, but only this action on this task.

Every entry gets a task of its own, IN_PROGRESS unless the entry is about the
task's state, so a check that failed to reject a message would show up as an
action on that task.  Replays reuse an earlier entry's task on purpose.
"""
from __future__ import annotations

import base64
import dataclasses
import email.utils
import quopri
import random
from email.header import Header

from remote_completion import compose, decide, metadata, signature

SEED = 20261125
SECRET = "corpus-secret-7Hq2-kept-out-of-logs"
OLD_SECRET = "corpus-secret-before-rotation-Zp9"
MAILBOX = "xlr-replies@corp.com"
WHITELIST = ["corp.com", "partner.org", "b\u00fccher.example"]
TASK_TYPE = "remoteCompletion.RemoteCompletionTask"
COMPLETE, FAIL = "COMPLETE", "FAIL"
MAX_MESSAGE_SIZE = 1_000_000

USERS = {
    "alice": ("Alice Smith", "alice@corp.com"),
    "bob": ("Bob Jones", "Bob.Jones@Corp.COM"),       # mixed case in the profile
    "carol": ("Carol Partner", "carol@partner.org"),
    "dave": ("Dave Role", "dave@corp.com"),            # assignee through a role
    "mallory": ("Mallory Insider", "mallory@corp.com"),  # a colleague, never assigned
    "anna": ("Anna IDN", "anna@xn--bcher-kva.example"),
    # assignees whose domains only look like a whitelisted one
    "eve": ("Eve Lookalike", "eve@corp.com.evil.io"),
    "zed": ("Zed Digit", "zed@c0rp.com"),
    "omi": ("Omi Homoglyph", "omi@xn--crp-9yc.com"),   # c\u03bfrp.com (Greek omicron)
    "ivan": ("Ivan Outside", "ivan@evil.io"),
}
ROLES = {"Approvers": ["dave"]}


@dataclasses.dataclass
class Expect:
    kind: str                      # 'act' | 'ignore' | 'either'
    action: str | None = None
    task: str | None = None
    reasons: frozenset = frozenset()

    @classmethod
    def act(cls, action, task):
        return cls("act", action, task)

    @classmethod
    def ignore(cls, *reasons):
        return cls("ignore", reasons=frozenset(reasons))

    @classmethod
    def either(cls, action, task, *reasons):
        return cls("either", action, task, frozenset(reasons))


@dataclasses.dataclass
class Entry:
    number: int
    category: str
    name: str
    raw: bytes
    expect: Expect
    internaldate_days_ago: float = 0.0


@dataclasses.dataclass
class Corpus:
    seed: int
    entries: list
    tasks: dict
    releases: dict
    teams: dict

    def imap_ci(self, host, port, username, password, quarantine=None):
        return {"id": "Configuration/Custom/ImapCorpus", "title": "Corpus IMAP", "host": host,
                "port": port, "useTls": False, "tlsMode": "none", "username": username,
                "password": password, "fromAddress": MAILBOX, "enableWhitelisting": True,
                "domainWhitelist": list(WHITELIST), "secret": SECRET,
                "quarantineFolder": quarantine}

    def store_init(self, store, imap_ci):
        users = {u: {"fullName": n, "email": e} for u, (n, e) in USERS.items()}
        store.init(users=users, teams=self.teams, tasks=self.tasks, releases=self.releases,
                   imap_ci=imap_ci, roles=ROLES)

    def action_counts(self, acts):
        """Lost, doubled and wrong actions among ``acts`` ({task: [action, ...]}
        in the order recorded) against what the genuine replies ask for."""
        expected = {e.expect.task: e.expect.action for e in self.entries
                    if e.expect.kind == "act"}
        return {"lost": sum(1 for t in expected if t not in acts),
                "doubled": sum(1 for a in acts.values() if len(a) > 1),
                "wrong": sum(1 for t, a in acts.items() if expected.get(t) != a[0])}

    def counts(self):
        out = {}
        for e in self.entries:
            out[e.category] = out.get(e.category, 0) + 1
        return out


# --- mail building blocks ------------------------------------------------------------

CRLF = "\r\n"


RUN = "0123456789abcdef"        # the run every task is in unless it names another
OTHER_RUN = "fedcba9876543210"
SIG_HEAD = len("v2.") + len(RUN) + 1   # where the 64 hex digits of a token start


def sign(action, task, who, run=RUN, secret=SECRET):
    return signature.sign(secret, action, task, who, run)


def template(action, task, who, title, release, run=RUN, secret=SECRET, sig=None):
    sig = sig if sig is not None else sign(action, task, who, run, secret)
    return compose.reply_template(action, title, release, task, sig)


def header_block(headers):
    lines = []
    for name, value in headers:
        lines.append("%s: %s" % (name, value))
    return CRLF.join(lines) + CRLF


def base_headers(rng, sender, subject, to=MAILBOX, extra=()):
    date = email.utils.formatdate(1_764_000_000 + rng.randrange(86400), usegmt=True)
    msgid = "<%032x@client.example>" % rng.getrandbits(128)
    headers = [("From", sender), ("To", to), ("Subject", subject), ("Date", date),
               ("Message-ID", msgid), ("MIME-Version", "1.0")]
    headers.extend(extra)
    return headers


def encode_subject(subject):
    try:
        subject.encode("ascii")
        return subject
    except UnicodeError:
        return Header(subject, "utf-8").encode()


def text_part_bytes(text, subtype="plain", charset="utf-8", cte="7bit", flowed=False, eol=CRLF):
    """(headers, body bytes) of one text part."""
    text = text.replace("\r\n", "\n").replace("\n", eol)
    params = "; charset=%s" % charset if charset else ""
    if flowed:
        params += "; format=flowed"
    headers = [
        ("Content-Type", "text/%s%s" % (subtype, params)), ("Content-Transfer-Encoding", cte)]
    data = text.encode(
        charset if charset and charset not in ("x-unknown", "utf-16-lies") else "utf-8", "replace"
    )
    if cte == "quoted-printable":
        data = quopri.encodestring(data.replace(b"\r\n", b"\n")).replace(b"\n", eol.encode())
    elif cte == "base64":
        encoded = base64.encodebytes(data).decode("ascii").replace("\n", eol)
        data = encoded.encode("ascii")
    return headers, data


def single(headers, part_headers, body, eol=CRLF):
    return (header_block(headers + part_headers).replace(CRLF, eol).encode("utf-8")
            + eol.encode() + body)


def multipart(
    headers, subtype, parts, boundary, eol=CRLF, close=True,
    preamble="This is a multi-part message in MIME format."):
    """parts: list of (part headers, body bytes)."""
    out = [
        header_block(
            headers + [("Content-Type", 'multipart/%s; boundary="%s"' % (subtype, boundary))]
        )
        .replace(CRLF, eol)
        .encode()
    ]
    out.append(eol.encode() + preamble.encode() + eol.encode())
    for part_headers, body in parts:
        out.append(("--%s" % boundary).encode() + eol.encode())
        out.append(header_block(part_headers).replace(CRLF, eol).encode() + eol.encode())
        out.append(body + eol.encode())
    if close:
        out.append(("--%s--" % boundary).encode() + eol.encode())
    return b"".join(out)


def nested_part(subtype, parts, boundary):
    """(headers, body) of a multipart used as a part."""
    body = [b"\r\n"]
    for part_headers, part_body in parts:
        body.append(("--%s\r\n" % boundary).encode())
        body.append(header_block(part_headers).encode() + b"\r\n")
        body.append(part_body + b"\r\n")
    body.append(("--%s--\r\n" % boundary).encode())
    return [("Content-Type", 'multipart/%s; boundary="%s"' % (subtype, boundary))], b"".join(body)


def html_of(text, style="gmail", escape=True):
    esc = compose.escape_html if escape else (lambda s: s)
    lines = text.replace("\r\n", "\n").split("\n")
    if style == "outlook":
        body = "".join(
            '<p class="MsoNormal">%s<o:p></o:p></p>\r\n' % (esc(l) if l else "<o:p>&nbsp;</o:p>")
            for l in lines
        )
        return (
            '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta http-equiv='
            '"Content-Type" content="text/html; '
            'charset=utf-8"><style>p.MsoNormal{margin:0}</style>'
            '</head><body lang="EN-US"><div class="WordSection1">\r\n'
            + body
            + "</div></body></html>"
        )
    if style == "br":
        return "<html><body>" + "<br>\r\n".join(esc(l) for l in lines) + "</body></html>"
    return (
        '<div dir="ltr">'
        + "".join("<div>%s</div>" % esc(l) if l else "<div><br></div>" for l in lines)
        + "</div>\r\n"
    )


def wrap_flowed(text, width=72):
    """RFC 3676 soft line breaks: a trailing space marks a wrapped line."""
    out = []
    for line in text.replace("\r\n", "\n").split("\n"):
        while len(line) > width:
            cut = line.rfind(" ", 0, width)
            if cut <= 0:
                # No space to break at: without DelSp a flowed line may not
                # split a word (RFC 3676 4.2), so a long token (a v2
                # signature) stays whole, as mail clients send it.
                break
            out.append(line[:cut + 1])
            line = line[cut + 1:]
        out.append(line)
    return "\n".join(out)


def hard_wrap(text, width=76):
    out = []
    for line in text.replace("\r\n", "\n").split("\n"):
        while len(line) > width:
            out.append(line[:width])
            line = line[width:]
        out.append(line)
    return "\n".join(out)


# --- the generator ----------------------------------------------------------------------

class Builder:
    def __init__(self, seed):
        self.seed = seed
        self.rng = random.Random(seed)
        self.entries = []
        self.tasks = {}
        self.releases = {}
        self.teams = {}
        self._n = 0

    # tasks ------------------------------------------------------------------
    def task(self, owner="alice", team=None, status="IN_PROGRESS", failures=0, type_=TASK_TYPE,
             title=None, team_members=None, run=RUN):
        self._n += 1
        n = self._n
        release = "Applications/Release%08x" % (0x10000000 + n)
        task = "%s/Phase%08x/Task%08x" % (release, 0x20000000 + n, 0x30000000 + n)
        title = title if title is not None else "Approve deployment %d" % n
        self.tasks[task] = {"title": title, "description": "", "owner": owner, "team": team,
                            "status": status, "type": type_, "failuresCount": failures,
                            "run": run}
        self.releases[release] = {"title": "Release %d" % n,
                                  "phases": [{"id": task.rsplit("/", 1)[0], "title": "Phase"}]}
        self.teams[release] = team_members if team_members is not None else {
            "Ops": [["bob", "PRINCIPAL"], ["Approvers", "ROLE"]],
            "Release Admin": [["admin", "PRINCIPAL"]]}
        return task

    def title_of(self, task):
        return self.tasks[task]["title"]

    def release_of(self, task):
        return self.releases[task.rsplit("/", 2)[0]]["title"]

    def add(self, category, name, raw, expect, days_ago=0.0):
        self.entries.append(Entry(len(self.entries) + 1, category, name, raw, expect, days_ago))

    # one standard reply ----------------------------------------------------------
    def reply(self, action, task, user="alice", sender=None, comment="Looks good, go ahead.",
              shape="plain", sig=None, run=RUN, secret=SECRET, headers_extra=(), to=MAILBOX,
              subject=None, body_edit=None):
        name, address = USERS[user]
        sender = (
            sender
            if sender is not None
            else email.utils.formataddr(
                (name, address.lower() if self.rng.random() < 0.5 else address)
            )
        )
        subj, body = template(action, task, address, self.title_of(task), self.release_of(task),
                              run, secret, sig)
        subject = subj if subject is None else subject
        text = comment + body
        if body_edit is not None:
            text = body_edit(text)
        return self.shape(shape, sender, subject, text, to, headers_extra)

    def shape(self, shape, sender, subject, text, to=MAILBOX, extra=()):
        rng = self.rng
        hdrs = base_headers(rng, sender, encode_subject(subject), to, list(extra))
        bnd = "b1_%016x" % rng.getrandbits(64)
        if shape == "plain":
            return single(hdrs, *text_part_bytes(text))
        if shape == "plain-lf":
            return single(hdrs, *text_part_bytes(text, eol="\n"), eol="\n")
        if shape == "qp":
            return single(hdrs, *text_part_bytes(text, cte="quoted-printable"))
        if shape == "base64":
            return single(hdrs, *text_part_bytes(text, cte="base64"))
        if shape == "flowed":
            return single(hdrs, *text_part_bytes(wrap_flowed(text), flowed=True, cte="8bit"))
        if shape == "hard-wrap":
            return single(hdrs, *text_part_bytes(hard_wrap(text), cte="quoted-printable"))
        if shape == "latin1":
            return single(
                hdrs, *text_part_bytes(text, charset="iso-8859-1", cte="quoted-printable")
            )
        if shape == "cp1252":
            return single(hdrs, *text_part_bytes(text, charset="windows-1252", cte="8bit"))
        if shape == "apple":
            return single(
                hdrs,
                *text_part_bytes(
                    text + "\n\nSent from my iPhone",
                    charset="us-ascii" if _ascii(text) else "utf-8",
                    cte="7bit" if _ascii(text) else "quoted-printable"),
            )
        if shape == "quoted":
            comment, rest = _split_comment(text)
            quoted = "\n".join("> " + l for l in rest.split("\n"))
            return single(hdrs, *text_part_bytes(comment + "\nOn Mon, someone wrote:\n" + quoted))
        if shape == "gmail":
            return multipart(hdrs, "alternative", [text_part_bytes(text, cte="quoted-printable"),
                                                   text_part_bytes(html_of(text, "gmail"), "html",
                                                                   cte="quoted-printable")], bnd)
        if shape == "outlook":
            return multipart(
                hdrs + [("X-Mailer", "Microsoft Outlook 16.0")],
                "alternative",
                [
                    text_part_bytes(hard_wrap(text), cte="quoted-printable"),
                    text_part_bytes(html_of(text, "outlook"), "html", cte="quoted-printable")],
                bnd,
            )
        if shape == "html-only":
            return single(
                hdrs, *text_part_bytes(html_of(text, "br"), "html", cte="quoted-printable")
            )
        if shape == "html-b64":
            return multipart(
                hdrs,
                "alternative",
                [
                    text_part_bytes(text, cte="base64"),
                    text_part_bytes(html_of(text), "html", cte="base64")],
                bnd,
            )
        if shape == "attachment":
            png = base64.encodebytes(bytes(rng.getrandbits(8) for _ in range(600))).replace(
                b"\n", b"\r\n"
            )
            return multipart(hdrs, "mixed", [text_part_bytes(text),
                                             ([("Content-Type", 'image/png; name="screen.png"'),
                                               ("Content-Disposition", 'attachment; '
                                                                       'filename="screen.png"'),
                                               ("Content-Transfer-Encoding", "base64")], png)], bnd)
        if shape == "nested":
            inner = nested_part(
                "alternative",
                [
                    text_part_bytes(text, cte="quoted-printable"),
                    text_part_bytes(html_of(text), "html", cte="quoted-printable")],
                "b2_%016x" % rng.getrandbits(64),
            )
            att = ([("Content-Type", "application/pdf"), ("Content-Disposition", "attachment; "
                                                                                 "filename=a.pdf"),
                    ("Content-Transfer-Encoding", "base64")], b"JVBERi0xLjQK")
            return multipart(hdrs, "mixed", [inner, att], bnd)
        raise ValueError(shape)


VALID_SHAPES = [
    "plain", "plain-lf", "qp", "base64", "flowed", "hard-wrap", "latin1", "cp1252", "apple",
    "quoted", "gmail", "outlook", "html-only", "html-b64", "attachment", "nested"]
COMMENTS = ["", "Looks good, go ahead.", "D\u00e9ploy\u00e9 \u2014 ok \u2705", "Fine by me.\n"
                                                                               "Thanks,\nA.",
            "Action: ask Bob first? No, go.", "Zustimmung \u00fcber Mail; \u00c4nderung "
                                              "gepr\u00fcft",
            "<b>bold</b> & [link](http://evil.io) ![x](http://evil.io/x.png)",
            "Signed off.\n\n-- \nAlice Smith\nCorp Inc."]


def _ascii(text):
    try:
        text.encode("ascii")
        return True
    except UnicodeError:
        return False


def _split_comment(text):
    marker = text.find(metadata.INSTRUCTION_START)
    if marker < 0:
        return "", text
    return text[:marker], text[marker:]


def build(seed=SEED):
    b = Builder(seed)
    rng = b.rng

    # --- valid replies in many client shapes: they MUST act ---------------------------
    assignees = [("alice", {}), ("bob", {"owner": None, "team": "Ops"}),
                 ("dave", {"owner": None, "team": "Ops"}), ("carol", {"owner": "carol"}),
                 ("anna", {"owner": "anna"})]
    for shape in VALID_SHAPES:
        for user, task_kw in assignees:
            for action in (COMPLETE, FAIL):
                if (
                    user in ("carol", "anna")
                    and action == FAIL
                    and shape not in ("plain", "gmail", "outlook")
                ):
                    continue
                kw = {"owner": user}
                kw.update(task_kw)
                task = b.task(**kw)
                comment = rng.choice(COMMENTS)
                if shape in ("latin1", "cp1252"):
                    comment = (
                        "Gepr\u00fcft, \u00e7a marche \u2013 \u201cok\u201d"
                        if shape == "cp1252"
                        else "Gepr\u00fcft, \u00e7a marche"
                    )
                b.add(
                    "valid", "%s/%s/%s" % (shape, user, action),
                    b.reply(action, task, user, comment=comment, shape=shape),
                    Expect.act(action, task))

    # more valid variants: sender spelling, subject, headers, layout
    def valid_variant(name, **kw):
        action = rng.choice([COMPLETE, FAIL])
        task = b.task()
        edit = kw.pop("body_edit", None)
        b.add(
            "valid", name, b.reply(action, task, "alice", body_edit=edit, **kw),
            Expect.act(action, task))

    valid_variant("from-upper-case", sender="ALICE@CORP.COM")
    valid_variant("from-upper-domain", sender="Alice <alice@CORP.COM>")
    valid_variant("from-comma-name", sender='"Smith, Alice" <alice@corp.com>')
    valid_variant("from-encoded-name", sender="=?utf-8?b?%s?= <alice@corp.com>" % base64.b64encode(
        "Alice Sm\u00eeth".encode()).decode())
    valid_variant("subject-changed", subject="Re: whatever you like")
    valid_variant("subject-empty", subject="")
    valid_variant("auto-submitted-no", headers_extra=[("Auto-Submitted", "no")])
    valid_variant("cc-colleague", headers_extra=[("Cc", "mallory@corp.com, ivan@evil.io")])
    valid_variant("to-display-name", to='"XL Release" <%s>' % MAILBOX)
    valid_variant("to-upper-case", to=MAILBOX.upper())
    valid_variant("long-comment", comment="All fine. " * 1500)
    valid_variant("rtl-override-comment", comment="ok \u202egnp.exe\u202c done")
    valid_variant("metadata-twice", body_edit=lambda t: t + "\r\n\r\n" + t[t.find("METADATA"):])
    valid_variant(
        "signature-hex-upper",
        body_edit=lambda t: t.replace(
            t[t.find("v2.") + 3 : t.find("v2.") + 84],
            t[t.find("v2.") + 3 : t.find("v2.") + 84].upper()),
    )
    valid_variant(
        "signature-split",
        body_edit=lambda t: t.replace(
            t[t.find("v2.") : t.find("v2.") + 40], t[t.find("v2.") : t.find("v2.") + 40] + "\r\n"
        ),
    )
    valid_variant(
        "zero-width-in-id", body_edit=lambda t: t.replace("/Phase", "\u200b/Phase"), shape="qp"
    )
    valid_variant(
        "nbsp-after-labels", body_edit=lambda t: t.replace("ACTION: ", "ACTION:\u00a0"), shape="qp"
    )
    valid_variant("comment-with-fake-labels", comment="Task id: see below\nSignature: mine\n")
    valid_variant(
        "sentence-deleted",
        body_edit=lambda t: t.replace(
            t[t.find(metadata.INSTRUCTION_START) : t.find("METADATA")], ""
        ),
    )
    # titles that try header or HTML injection: they only ever appear as text
    for i, title in enumerate(["Deploy\r\nBcc: victim@evil.io\r\nX-Injected: 1",
                               "<script>alert(1)</script><img src=x onerror=alert(2)>",
                               "=?utf-8?q?Approve=0D=0ABcc:_x@evil.io?=",
                               "Title with ACTION: FAIL TASK_ID: "
                               "Applications/Release1/Phase1/Task1 SIGNATURE: v1." + "0" * 64,
                               "\u202eevil\u202c title \u2028 with separators"]):
        for shape in ("plain", "gmail", "outlook"):
            action = rng.choice([COMPLETE, FAIL])
            task = b.task(title=title)
            b.add(
                "injection", "title-%d/%s" % (i, shape),
                b.reply(action, task, "alice", shape=shape), Expect.act(action, task))

    # --- forged and damaged signatures ------------------------------------------------
    def forged(name, expect_reasons, edit=None, sig=None, run=RUN, secret=SECRET, user="alice",
               task_kw=None, **kw):
        action = rng.choice([COMPLETE, FAIL])
        task = b.task(**(task_kw or {}))
        raw = b.reply(
            action, task, user, sig=sig(action, task) if callable(sig) else sig, run=run,
            secret=secret, body_edit=edit, shape=rng.choice(["plain", "gmail", "qp", "outlook"]),
            **kw)
        b.add("forged", name, raw, Expect.ignore(*expect_reasons))
        return task

    for i in range(40):
        forged(
            "random-hex-%d" % i, [decide.BAD_SIGNATURE],
            sig="v2.%s.%064x" % (RUN, rng.getrandbits(256)))
    for i in range(30):
        def flip(action, task, i=i):
            good = sign(action, task, USERS["alice"][1])
            pos = SIG_HEAD + rng.randrange(64)
            digit = "0123456789abcdef"[(int(good[pos], 16) + 1 + rng.randrange(15)) % 16]
            return good[:pos] + digit + good[pos + 1:]
        forged("one-digit-flipped-%d" % i, [decide.BAD_SIGNATURE], sig=flip)
    for cut in (0, 1, 10, 32, 63):
        forged("truncated-%d" % cut, [decide.BAD_SIGNATURE, decide.INCOMPLETE_METADATA],
               sig=lambda a, t, cut=cut: sign(a, t, USERS["alice"][1])[:SIG_HEAD + cut])
    forged(
        "extra-digit", [decide.BAD_SIGNATURE], sig=lambda a, t: sign(a, t, USERS["alice"][1]) + "0"
    )
    forged("v1-prefix", [decide.BAD_SIGNATURE, decide.INCOMPLETE_METADATA],
           sig=lambda a, t: "v1." + sign(a, t, USERS["alice"][1])[SIG_HEAD:])
    forged("run-swapped", [decide.BAD_SIGNATURE],
           sig=lambda a, t: sign(a, t, USERS["alice"][1]).replace(RUN, OTHER_RUN),
           task_kw={"run": OTHER_RUN})
    forged("no-prefix", [decide.BAD_SIGNATURE, decide.INCOMPLETE_METADATA],
           sig=lambda a, t: sign(a, t, USERS["alice"][1])[3:])
    forged(
        "empty-signature", [decide.INCOMPLETE_METADATA, decide.NO_METADATA, decide.BAD_SIGNATURE],
        sig="")
    for i in range(6):
        forged(
            "signature-line-deleted-%d" % i,
            [decide.INCOMPLETE_METADATA],
            edit=lambda t: "\r\n".join(
                l for l in t.split("\r\n") if not l.startswith("SIGNATURE")
            ),
        )
        forged(
            "task-line-deleted-%d" % i, [decide.INCOMPLETE_METADATA],
            edit=lambda t: "\r\n".join(l for l in t.split("\r\n") if not l.startswith("TASK_ID")))
    for i in range(10):
        # the action changed after signing: a COMPLETE signature under FAIL
        forged(
            "action-swapped-%d" % i,
            [decide.BAD_SIGNATURE],
            edit=lambda t: (
                t.replace("ACTION: COMPLETE", "ACTION: XX")
                .replace("ACTION: FAIL", "ACTION: COMPLETE")
                .replace("ACTION: XX", "ACTION: FAIL")
            ),
        )
    for i in range(10):
        # the task id changed after signing, to another task that is in progress
        victim = b.task()
        forged(
            "task-swapped-%d" % i,
            [decide.BAD_SIGNATURE],
            edit=lambda t, victim=victim: t.replace(
                t[t.find("TASK_ID: ") + 9 : t.find("\r\nSIGNATURE")], victim
            ),
        )
    for i in range(8):
        forged("old-secret-%d" % i, [decide.BAD_SIGNATURE], secret=OLD_SECRET)
    for i in range(8):
        # the task was failed and retried since the request was sent: a new run
        forged(
            "old-run-%d" % i, [decide.STALE_RUN],
            task_kw={"failures": i % 3 + 1, "run": "%016x" % rng.getrandbits(64)})
    for i in range(4):
        # a task without a request marker (started before the hand-over, or its
        # marker could not be read): no reply counts for it
        forged("no-open-run-%d" % i, [decide.STALE_RUN], task_kw={"run": None})
    # a valid signature, sent by someone else
    for i, sender in enumerate(
        [
            "mallory@corp.com", "Alice Smith <mallory@corp.com>", "alice@corp.com.evil.io",
            "alice@c0rp.com", "alice@partner.org", "alice+tag@corp.com", "alice@mail.corp.com",
            "ALICE@corp.com.", "alice@xn--crp-9yc.com"]
    ):
        reasons = [decide.BAD_SIGNATURE, decide.NOT_WHITELISTED, decide.BAD_SENDER]
        forged("wrong-sender-%d" % i, reasons, sender=sender)
    # display-name spoofing
    for i, sender in enumerate(['"alice@corp.com" <evil@x.io>', '"alice@corp.com" '
                                                                '<mallory@corp.com>',
                                '=?utf-8?q?alice=40corp=2Ecom?= <evil@x.io>', '"Alice Smith '
                                                                              '<alice@corp.com>" '
                                                                              '<evil@x.io>',
                                "alice@corp.com <evil@x.io>", "<alice@corp.com> evil@x.io",
                                '"alice@corp.com\r\n" <evil@x.io>']):
        # (the last one breaks the header block, so its body is read undecoded:
        # the long v2 token's quoted-printable soft break is left in it)
        forged(
            "display-name-%d" % i,
            [
                decide.BAD_SIGNATURE, decide.NOT_WHITELISTED, decide.BAD_SENDER,
                decide.INCOMPLETE_METADATA],
            sender=sender,
        )

    # --- whitelisting: genuine signature, domain not whitelisted ---------------------------
    for user in ("eve", "zed", "omi", "ivan"):
        for i in range(4):
            task = b.task(owner=user)
            action = rng.choice([COMPLETE, FAIL])
            b.add("whitelist", "lookalike-%s-%d" % (user, i),
                  b.reply(action, task, user, shape=rng.choice(["plain", "gmail"])),
                  Expect.ignore(decide.NOT_WHITELISTED))
    for i, to in enumerate(
        [
            "xlr-replies@evil.io", "%s, attacker@evil.io" % MAILBOX,
            "xlr-replies@corp.com.evil.io", "xlr-replies@c0rp.com", "undisclosed-recipients:;",
            "%s, x@CORP.COM.evil.io" % MAILBOX]
    ):
        task = b.task()
        action = rng.choice([COMPLETE, FAIL])
        b.add(
            "whitelist", "to-%d" % i, b.reply(action, task, "alice", to=to),
            Expect.ignore(decide.NOT_WHITELISTED))
    task = b.task()
    b.add(
        "whitelist", "no-to", _drop_header(b.reply(COMPLETE, task, "alice"), b"To"),
        Expect.ignore(decide.NOT_WHITELISTED))
    task = b.task(owner="anna")
    b.add(
        "whitelist", "idn-unicode-from",
        b.reply(COMPLETE, task, "anna", sender="anna@b\u00fccher.example"),
        Expect.ignore(decide.BAD_SENDER, decide.BAD_SIGNATURE))

    # --- automatic replies and bounces (with a genuine block inside) ------------------------
    autos = [("auto-replied", [("Auto-Submitted", "auto-replied")]),
             ("auto-generated", [("Auto-Submitted", "auto-generated")]),
             ("auto-notified", [("Auto-Submitted", 'auto-notified; owner-email="x@corp.com"')]),
             ("x-autoreply", [("X-Autoreply", "yes")]),
             ("x-autorespond", [("X-Autorespond", "Out of office")]),
             ("precedence-bulk", [("Precedence", "bulk")]),
             ("precedence-junk", [("Precedence", "junk")]),
             ("precedence-auto-reply", [("Precedence", "auto_reply")]),
             ("null-return-path", [("Return-Path", "<>")])]
    for name, extra in autos:
        for shape in ("plain", "outlook", "gmail"):
            task = b.task()
            action = rng.choice([COMPLETE, FAIL])
            b.add(
                "auto-reply",
                "%s/%s" % (name, shape),
                b.reply(
                    action, task, "alice", headers_extra=extra, shape=shape,
                    comment="I am out of office."),
                Expect.ignore(decide.AUTO_REPLY),
            )
    for i in range(6):
        task = b.task()
        action = rng.choice([COMPLETE, FAIL])
        original = b.reply(action, task, "alice")
        b.add("auto-reply", "dsn-%d" % i, _dsn(rng, original), Expect.ignore(decide.AUTO_REPLY))
    # the plugin's own request mail landing in the mailbox
    for i in range(6):
        task = b.task()
        req = _request_mail(b, task, i)
        b.add("self-sent", "request-%d" % i, req, Expect.ignore(decide.SELF_SENT))
    task = b.task()
    stripped = _drop_header(_request_mail(b, task, 9), metadata.MARKER_HEADER.encode())
    b.add("self-sent", "request-marker-stripped", stripped, Expect.ignore(decide.AUTO_REPLY))

    # --- two metadata blocks that disagree ------------------------------------------------------
    for i in range(8):
        task = b.task()
        other = b.task()
        _s, c_body = template(COMPLETE, task, USERS["alice"][1], "t", "r")
        _s, f_body = template(FAIL, task if i % 2 else other, USERS["alice"][1], "t", "r")
        text = "Both?" + c_body + "\r\n\r\n" + f_body
        b.add("conflict", "two-blocks-%d" % i,
              b.shape(rng.choice(["plain", "gmail", "qp"]), "alice@corp.com", "Complete: t", text),
              Expect.ignore(decide.CONFLICTING_METADATA))

    # --- task state and assignment ---------------------------------------------------------------
    for status in ("COMPLETED", "FAILED", "SKIPPED", "ABORTED", "SKIPPED_IN_ADVANCE"):
        for i in range(2):
            task = b.task(status=status)
            b.add("task-state", "%s-%d" % (status, i), b.reply(rng.choice([COMPLETE, FAIL]), task),
                  Expect.ignore(decide.NOT_IN_PROGRESS))
    # Transient statuses keep a reply for the next cycle (bounded): two days
    # old, it is removed with its own verdict.
    for status in ("PLANNED", "PENDING", "WAITING_FOR_INPUT", "FAILING"):
        for i in range(2):
            task = b.task(status=status)
            b.add("task-state", "%s-%d" % (status, i), b.reply(rng.choice([COMPLETE, FAIL]), task),
                  Expect.ignore(decide.SETTLING_TOO_LONG), days_ago=2)
    for i in range(4):
        task = b.task(type_="xlrelease.Task")
        b.add(
            "task-state", "wrong-type-%d" % i, b.reply(COMPLETE, task),
            Expect.ignore(decide.WRONG_TYPE))
    for i in range(4):
        task = b.task(owner="bob")  # reassigned after the request was sent
        b.add(
            "assignee", "reassigned-%d" % i, b.reply(COMPLETE, task, "alice"),
            Expect.ignore(decide.NOT_ASSIGNEE))
        task = b.task(owner=None, team="Ops", team_members={"Ops": [["carol", "PRINCIPAL"]]})
        b.add(
            "assignee", "left-team-%d" % i, b.reply(FAIL, task, "bob"),
            Expect.ignore(decide.NOT_ASSIGNEE))
        task = b.task(owner="mallory")
        b.add(
            "assignee", "insider-%d" % i, b.reply(COMPLETE, task, "alice"),
            Expect.ignore(decide.NOT_ASSIGNEE))
    for i in range(4):
        # genuine signature for a task that is gone: kept for a day, then dropped
        ghost = "Applications/Release%08x/Phase1/Task1" % (0x7f000000 + i)
        b.tasks_missing = getattr(b, "tasks_missing", []) + [ghost]
        _subj, body = template(COMPLETE, ghost, USERS["alice"][1], "gone", "gone")
        raw = b.shape("plain", "alice@corp.com", "Complete: gone", "ok" + body)
        b.add(
            "task-state", "deleted-task-old-%d" % i, raw, Expect.ignore(decide.UNKNOWN_TASK),
            days_ago=2)
        b.add(
            "task-state",
            "forged-deleted-task-%d" % i,
            b.shape(
                "plain",
                "alice@corp.com",
                "x",
                "ok"
                + template(
                    COMPLETE, ghost, "alice@corp.com", "g", "g",
                    sig="v2.%s.%064x" % (RUN, rng.getrandbits(256)))[1],
            ),
            Expect.ignore(decide.BAD_SIGNATURE),
        )
    # replays: the same genuine reply again, after it acted
    acted = [e for e in b.entries if e.expect.kind == "act"]
    for e in rng.sample(acted, 20):
        # the same mail again: its verdict is on the task already (or the task ended)
        b.add("replay", "replay-of-%d" % e.number, e.raw,
              Expect.ignore(decide.NOT_IN_PROGRESS, decide.ALREADY_RECORDED))

    # --- size, nesting, broken MIME and charsets -------------------------------------------------
    task = b.task()
    huge = b.reply(COMPLETE, task, comment="x" * (MAX_MESSAGE_SIZE + 50_000))
    b.add("mime", "huge-body", huge, Expect.ignore(decide.TOO_LARGE))
    task = b.task()
    parts = [text_part_bytes("filler %d" % i) for i in range(400)]
    _s, body = template(COMPLETE, task, "alice@corp.com", b.title_of(task), "r")
    parts.append(text_part_bytes("ok" + body))
    b.add("mime", "many-parts-block-last",
          multipart(base_headers(rng, "alice@corp.com", "x"), "mixed", parts, "bmany"),
          Expect.ignore(decide.OVER_CAP))
    for depth, expect_act in ((3, True), (6, True), (40, False), (200, False)):
        task = b.task()
        _s, body = template(FAIL, task, "alice@corp.com", b.title_of(task), "r")
        part = text_part_bytes("ok" + body)
        for d in range(depth):
            part = nested_part("mixed", [part], "bd%d" % d)
        raw = single(base_headers(rng, "alice@corp.com", "x"), *part)
        b.add("mime", "nested-%d" % depth, raw,
              Expect.act(FAIL, task) if expect_act else Expect.ignore(decide.OVER_CAP))
    broken = [
        ("no-boundary-param", lambda r: r.replace(b'; boundary="', b'; xboundary="', 1)),
        ("unclosed-multipart", lambda r: r[: r.rfind(b"--b1_")]),
        (
            "bad-base64",
            lambda r: (
                r.replace(
                    b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: base64"
                )
                + b"!!!*&^%"
            ),
        ),
        (
            "unknown-cte",
            lambda r: r.replace(
                b"Content-Transfer-Encoding: quoted-printable",
                b"Content-Transfer-Encoding: x-uuencode-9"),
        ),
        ("unknown-charset", lambda r: r.replace(b"charset=utf-8", b"charset=x-unknown-cs")),
        ("charset-utf16-lie", lambda r: r.replace(b"charset=utf-8", b"charset=utf-16")),
        ("charset-garbage", lambda r: r.replace(b"charset=utf-8", b'charset="\x00\xff;;"')),
        (
            "8bit-header-junk",
            lambda r: r.replace(
                b"MIME-Version: 1.0", b"X-Junk: \xff\xfe\x80 caf\xe9\r\nMIME-Version: 1.0"
            ),
        ),
        ("nul-bytes", lambda r: r.replace(b"\r\n\r\n", b"\r\n\r\n\x00\x00", 1)),
        ("lone-cr", lambda r: r.replace(b"\r\n", b"\r")),
        ("header-without-colon", lambda r: b"This is not a header\r\n" + r),
        ("long-header-line", lambda r: b"X-Long: " + b"a" * 200_000 + b"\r\n" + r),
        (
            "content-type-garbage",
            lambda r: r.replace(
                b"Content-Type: multipart/alternative", b"Content-Type: multipart/;;;"
            ),
        ),
        ("truncated-in-middle", lambda r: r[: len(r) * 2 // 3]),
        (
            "doubled-content-type",
            lambda r: r.replace(
                b"MIME-Version: 1.0", b"Content-Type: text/html\r\nMIME-Version: 1.0"
            ),
        ),
    ]
    for name, mutate in broken:
        for shape in ("gmail", "plain", "qp"):
            task = b.task()
            action = rng.choice([COMPLETE, FAIL])
            raw = mutate(b.reply(action, task, "alice", shape=shape))
            b.add(
                "mime",
                "%s/%s" % (name, shape),
                raw,
                Expect.either(
                    action, task, decide.NO_METADATA, decide.INCOMPLETE_METADATA,
                    decide.BAD_SIGNATURE, decide.UNREADABLE, decide.BAD_SENDER,
                    decide.CONFLICTING_METADATA, decide.NOT_WHITELISTED, decide.OVER_CAP),
            )
    # look-alike characters inside the metadata
    for i, edit in enumerate(
        [
            lambda t: t.replace("COMPLETE", "COMPL\u0415TE").replace(
                "ACTION: FAIL", "ACTION: F\u0391IL"
            ),
            lambda t: t.replace("ACTION", "\uff21\uff23\uff34\uff29\uff2f\uff2e"),
            lambda t: t.replace("v2.", "\uff56\uff12."),
            lambda t: t.replace("Task", "T\u0430sk", 1).replace(
                "TASK_ID: Applications", "TASK_ID: Appl\u0456cations"
            ),
        ]
    ):
        for j in range(3):
            forged(
                "unicode-lookalike-%d-%d" % (i, j),
                [
                    decide.INCOMPLETE_METADATA, decide.NO_METADATA, decide.BAD_SIGNATURE,
                    decide.UNKNOWN_TASK],
                edit=edit,
            )
    # not a reply at all
    for i in range(40):
        size = rng.choice([1, 10, 100, 1000, 5000])
        junk = bytes(rng.getrandbits(8) for _ in range(size))
        b.add(
            "garbage",
            "random-bytes-%d" % i,
            junk,
            Expect.ignore(
                decide.NO_METADATA, decide.BAD_SENDER, decide.UNREADABLE, decide.NOT_WHITELISTED
            ),
        )
    for i, text in enumerate(
        [
            "\r\n", "Subject: hi\r\n\r\n", "From: alice@corp.com\r\n\r\n",
            "From: alice@corp.com\r\nTo: %s\r\n\r\nhello" % MAILBOX,
            "From: alice@corp.com\r\nFrom: bob@corp.com\r\nTo: %s\r\n\r\nMETADATA" % MAILBOX,
            "From: alice@corp.com, bob@corp.com\r\nTo: %s\r\n\r\nx" % MAILBOX,
            "From: <>\r\nTo: %s\r\n\r\nx" % MAILBOX,
            "From: @corp.com:alice@corp.com\r\nTo: %s\r\n\r\nx" % MAILBOX]
    ):
        b.add(
            "garbage",
            "minimal-%d" % i,
            text.encode(),
            Expect.ignore(
                decide.NO_METADATA, decide.BAD_SENDER, decide.UNREADABLE, decide.NOT_WHITELISTED
            ),
        )
    for i in range(4):
        task = b.task()
        raw = b.reply(COMPLETE, task, "alice")
        raw = raw.replace(b"From: ", b"From: alice@corp.com\r\nFrom: ", 1)
        b.add("forged", "two-from-headers-%d" % i, raw, Expect.ignore(decide.BAD_SENDER))

    hostile_charsets(b)
    slow_shapes(b)
    caps(b)
    title_veto(b)
    return Corpus(seed=seed, entries=b.entries, tasks=b.tasks, releases=b.releases, teams=b.teams)


def _drop_header(raw, name):
    head, sep, body = raw.partition(b"\r\n\r\n")
    lines = [l for l in head.split(b"\r\n") if not l.lower().startswith(name.lower() + b":")]
    return b"\r\n".join(lines) + sep + body


def _dsn(rng, original):
    """A delivery status notification carrying the original (genuine) reply."""
    bnd = "dsn_%016x" % rng.getrandbits(64)
    headers = [
        ("From", "MAILER-DAEMON@corp.com"), ("To", MAILBOX),
        ("Subject", "Undelivered Mail Returned to Sender"),
        ("Date", email.utils.formatdate(1_764_000_000, usegmt=True)), ("MIME-Version", "1.0"),
        ("Return-Path", "<>")]
    if rng.random() < 0.5:
        headers = [
            h for h in headers if h[0] != "Return-Path"
        ]  # the report type alone must suffice
    out = [
        header_block(
            headers
            + [
                (
                    "Content-Type",
                    'multipart/report; report-type=delivery-status; boundary="%s"' % bnd)
            ]
        ).encode(),
        b"\r\n",
        ("--%s\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n" % bnd).encode(),
        (
            "--%s\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; "
            "mx.corp.com\r\n\r\n"
            "Final-Recipient: rfc822; xlr@corp.com\r\nAction: failed\r\nStatus: 5.1.1\r\n" % bnd
        ).encode(),
        ("--%s\r\nContent-Type: message/rfc822\r\n\r\n" % bnd).encode(),
        original,
        b"\r\n",
        ("--%s--\r\n" % bnd).encode(),
    ]
    return b"".join(out)


def _request_mail(b, task, i):
    details = compose.RequestDetails(
        task, b.title_of(task), b.release_of(task), "Phase", "Please approve.", "alice"
    )
    who = USERS["alice"][1]
    sigs = {COMPLETE: sign(COMPLETE, task, who), FAIL: sign(FAIL, task, who)}
    msg = compose.compose_request(
        details, who, "Alice Smith", "XL Release <xlr@corp.com>", MAILBOX, sigs,
        now=1_764_000_000 + i)
    # Addressed to the mailbox itself (a misconfiguration that would loop).
    msg.replace_header("To", MAILBOX)
    # Message-ID and boundary are random in compose: pin them (a corpus is reproducible).
    msg.replace_header("Message-ID", "<request-%d-%08x@corp.com>" % (i, b.rng.getrandbits(32)))
    msg.set_boundary("req_%08x" % b.rng.getrandbits(32))
    return compose.message_bytes(msg)


# --- issue 11: generators per class ---------------------------------------------------------

# Names codecs.lookup accepts that are no text charsets (on Python 2 / Jython
# some decompress), spellings that normalise to them, and unknown ones.
HOSTILE_CODECS = ["bz2_codec", "bz2", "zlib_codec", "zlib--codec", "ZLIB", "base64_codec", "hex",
                  "uu", "rot13", "quopri", "unicode_escape", "punycode", "utf-7", "x-unknown-cs"]


def bomb(codec):
    """Bytes the codec would blow up (bz2/zlib: 64 MB / 16 MB of zeros), or junk."""
    import bz2
    import zlib
    name = codec.lower().replace("-", "_").replace("__", "_")
    if name.startswith("bz2"):
        packer = bz2.BZ2Compressor(9)
        chunk = bytes(1 << 20)
        data = b"".join(packer.compress(chunk) for _ in range(64))
        return data + packer.flush()
    if name.startswith("zlib"):
        return zlib.compress(bytes(16 << 20), 9)
    return b"\\u0041" * 200 if "escape" in name else b"4142" * 200


_BOMBS = {}


def _bomb(codec):
    if codec not in _BOMBS:
        _BOMBS[codec] = bomb(codec)
    return _BOMBS[codec]


def _pct(data):
    return "".join("%%%02X" % c for c in data)


def hostile_charsets(b):
    """Every place a mail names a charset, with each hostile name: a genuine
    reply still acts (the name is never looked up; text falls back), a part
    that is nothing but the bomb finds no metadata (decoding it would pass the
    part bound instead)."""
    rng = b.rng
    for codec in HOSTILE_CODECS:
        data = _bomb(codec)
        b64 = base64.b64encode(data).decode("ascii")
        # a text part whose body is the bomb, declared in that charset
        task = b.task()
        hdrs = base_headers(rng, "alice@corp.com", "Complete: x")
        raw = single(hdrs, [("Content-Type", "text/plain; charset=%s" % codec),
                            ("Content-Transfer-Encoding", "base64")],
                     base64.encodebytes(data).replace(b"\n", b"\r\n"))
        b.add("charset", "%s/part-body" % codec, raw, Expect.ignore(decide.NO_METADATA))

        def edit_ct(raw, codec=codec):
            return raw.replace(b"text/plain; charset=utf-8", (
                "text/plain; charset*=%s''%s" % (codec, _pct(data[:3000]))).encode(), 1)
        genuine = [
            ("rfc2231-charset", lambda r: edit_ct(r)),
            ("subject", lambda r, b64=b64, codec=codec: r.replace(
                b"Subject: ", ("Subject: =?%s?B?%s?= " % (codec, b64[:4000])).encode(), 1)),
            ("from-name", lambda r, b64=b64, codec=codec: r.replace(
                b"From: ", ("From: =?%s?B?%s?= <alice@corp.com>\r\nX-Was: " % (codec, b64[:4000])
                            ).encode(), 1)),
        ]
        for where, mutate in genuine:
            task = b.task()
            action = rng.choice([COMPLETE, FAIL])
            raw = mutate(b.reply(action, task, "alice", sender="alice@corp.com"))
            b.add("charset", "%s/%s" % (codec, where), raw, Expect.act(action, task))
        # RFC 2231 boundary and file name (Python 2 decodes both with the named charset)
        task = b.task()
        action = rng.choice([COMPLETE, FAIL])
        raw = b.reply(action, task, "alice", shape="attachment").replace(
            b'filename="screen.png"', ("filename*=%s''%s" % (codec, _pct(data[:3000]))).encode())
        b.add("charset", "%s/rfc2231-filename" % codec, raw, Expect.act(action, task))
        task = b.task()
        raw = b.reply(COMPLETE, task, "alice", shape="gmail")
        raw = raw.replace(b'; boundary="', ("; boundary*=%s''%s; x=\"" % (
            codec, _pct(data[:3000]))).encode(), 1)
        b.add("charset", "%s/rfc2231-boundary" % codec, raw,
              Expect.either(COMPLETE, task, decide.NO_METADATA, decide.UNREADABLE))


def slow_shapes(b):
    """The shapes that made a parser quadratic, each big (but within the
    message size), around a genuine reply: it must act, in linear time."""
    rng = b.rng
    n = 150_000
    comments = {
        "label-stars": "ACTION:" + "*" * n + "x",
        "label-stars-many-lines": ("SIGNATURE: v1." + "*" * 900 + "\n") * 150,
        "wrote-spaces": "wrote" + " " * n + "x",
        "separator-underscores": "_" * n + "x",
        "outlook-from-stars": "*" * n + "From x",
        "quote-prefix-spaces": " \t" * (n // 2) + "x",
        "header-prefix-lines": "METADATA (DO NOT\n" * 3000,
    }
    for name, comment in comments.items():
        task = b.task()
        action = rng.choice([COMPLETE, FAIL])
        b.add("slow-shape", name, b.reply(action, task, "alice", comment=comment, shape="plain"),
              Expect.act(action, task))
    n = 100_000    # characters of junk in a part (its bound is 256 K)
    html_junk = {
        "html-stray-quotes": "<a " + '" ' * (n // 2) + ">",
        "html-many-lt": "<" * n,
        "html-unclosed-comment": "<!--" * (n // 4),
        "html-entities": "&" * (n // 3) + "&#" * (n // 6) + "&#x" * (n // 9),
        "html-skip-unclosed": "<script>" * (n // 8),
        "html-unclosed-attribute": '<a x="' + "y" * n,
        "html-nested-blockquotes": "<blockquote>" * (n // 12),
    }
    for name, junk in html_junk.items():
        task = b.task()
        action = rng.choice([COMPLETE, FAIL])
        _s, body = template(action, task, USERS["alice"][1], b.title_of(task), b.release_of(task))
        markup = html_of("ok" + body, "br").replace("</body>", "<br>" + junk + "</body>")
        raw = single(base_headers(rng, "alice@corp.com", "Complete: x"),
                     *text_part_bytes(markup, "html", cte="base64"))
        # blockquotes past their nesting bound refuse the mail (each level
        # would add a quote mark to every line after it)
        b.add("slow-shape", name, raw, Expect.ignore(decide.OVER_CAP)
              if name == "html-nested-blockquotes" else Expect.act(action, task))
    # format=flowed: one paragraph of many soft-broken lines, and quote depths
    # that change on every line
    for name, comment in (("flowed-long-paragraph", "x " * n),
                          ("flowed-depth-alternation", "".join(
                              ">" * (i % 7) + "x \n" for i in range(20000)))):
        task = b.task()
        action = rng.choice([COMPLETE, FAIL])
        _s, body = template(action, task, USERS["alice"][1], b.title_of(task), b.release_of(task))
        text = comment.replace("\n", "\r\n") + "\r\n\r\n" + body
        raw = single(base_headers(rng, "alice@corp.com", "Complete: x"),
                     *text_part_bytes(text, flowed=True, cte="base64"))
        b.add("slow-shape", name, raw, Expect.act(action, task))
    # Content-Type parameters and headers just under the field bound
    for count in (60, 7000):    # below and past the bound on parameters
        task = b.task()
        action = rng.choice([COMPLETE, FAIL])
        raw = b.reply(action, task, "alice").replace(
            b"text/plain; charset=utf-8",
            b'text/plain; charset=utf-8; x="' + b"; " * count + b'"',
            1,
        )
        b.add("slow-shape", "content-type-semicolons-%d" % count, raw,
              Expect.act(action, task) if count < 64 else Expect.ignore(decide.OVER_CAP))
    task = b.task()
    action = rng.choice([COMPLETE, FAIL])
    raw = b.reply(action, task, "alice", headers_extra=[
        ("Authentication-Results", "mx.corp.com; " + "(" * 7000 + "dkim=pass")])
    b.add("slow-shape", "auth-results-open-comments", raw, Expect.act(action, task))


def caps(b):
    """Caps never decide silently: past one, the mail is refused as over-cap
    (nothing after the cut can hide); just below, it is judged whole."""
    rng = b.rng
    for count in (50, 99, 100, 150, 400):
        task = b.task()
        padded = ", ".join("u%d@corp.com" % i for i in range(count))
        to = "%s, %s, attacker@evil.io" % (MAILBOX, padded)
        reasons = [decide.NOT_WHITELISTED] if count + 2 <= 100 else [decide.OVER_CAP]
        b.add("caps", "to-padded-%d" % count, b.reply(COMPLETE, task, "alice", to=to),
              Expect.ignore(*reasons))
        task = b.task()
        cc = ", ".join("c%d@partner.org" % i for i in range(count))
        action = rng.choice([COMPLETE, FAIL])
        expect = Expect.act(action, task) if count + 1 <= 100 else Expect.ignore(decide.OVER_CAP)
        b.add("caps", "cc-padded-%d" % count,
              b.reply(action, task, "alice", headers_extra=[("Cc", cc)]), expect)
    for size in (4_000, 9_000, 15_000, 20_000, 60_000):
        folded = "\r\n ".join(["x" * 70] * (size // 72))
        task = b.task()
        b.add("caps", "to-folded-comment-%d" % size,
              b.reply(COMPLETE, task, "alice", to="%s (%s), attacker@evil.io" % (MAILBOX, folded)),
              Expect.ignore(decide.NOT_WHITELISTED, decide.OVER_CAP))
        task = b.task()
        b.add("caps", "second-from-after-%d" % size,
              b.reply(COMPLETE, task, "alice",
                      sender="alice@corp.com (%s), mallory@evil.io" % folded),
              Expect.ignore(decide.BAD_SENDER, decide.OVER_CAP))
    for name, extra, reason in (
            ("many-headers", [("X-Pad-%d" % i, "v") for i in range(600)], decide.OVER_CAP),
            ("many-auth-results", [("Authentication-Results", "mx.corp.com; none")] * 60,
             decide.OVER_CAP),
            ("nested-address-comments", [("Cc", "x@corp.com " + "(" * 40 + ")" * 40)],
             decide.OVER_CAP),
            ("header-line-over-bound", [("X-Long", "a" * 20_000)], decide.OVER_CAP)):
        task = b.task()
        b.add(
            "caps", name, b.reply(COMPLETE, task, "alice", headers_extra=extra),
            Expect.ignore(reason))
    # a text part past the part bound is refused, not read up to the bound
    task = b.task()
    b.add("caps", "text-part-over-bound",
          b.reply(COMPLETE, task, "alice", comment="ok " * 100_000, shape="qp"),
          Expect.ignore(decide.OVER_CAP))


def veto_title(width, action=COMPLETE):
    """A task title that, hard-wrapped at ``width`` inside the reply's
    instruction sentence, spells a whole FAIL block line by line (zero-width
    spaces fill the lines: the finder drops them)."""
    prefix = len("%s %s with title '" % (metadata.INSTRUCTION_START, compose.BUTTON_LABELS[action]))
    lines = [metadata.HEADER_LINE, "ACTION: FAIL",
             "TASK_ID: Applications/Release1/Phase1/Task1", "SIGNATURE: v1." + "0" * 64]
    title = "t" * max(1, width - prefix)
    for line in lines:
        title += line + "\u200b" * max(0, width - len(line))
    return title


def title_veto(b):
    """Issue 11 point 7: titles built to veto the Complete reply, for the
    wrap widths of common clients, through the client shapes that wrap."""
    for width in (72, 76, 78):
        for shape in ("hard-wrap", "outlook", "flowed", "plain", "gmail"):
            task = b.task(title=veto_title(width))
            b.add("title-veto", "width-%d/%s" % (width, shape),
                  b.reply(COMPLETE, task, "alice", shape=shape), Expect.act(COMPLETE, task))
