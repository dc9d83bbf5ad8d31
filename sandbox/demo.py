"""The end-to-end demo: a release waits for a reply by email, someone answers.

Everything is real except XL Release itself: the plugin runs from this
repository (or a jar) in the sandbox server, the request mails go through a
real SMTP server with verified TLS, the reply goes back through it into a
real IMAP mailbox, and the plugin's fetcher reads it from there (on XL Release the
task's waiting script runs it; the sandbox runs the scheduled job only when asked).
"""
from __future__ import annotations

import html
import json
import re
import secrets
import shutil
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from . import mailclient
from .clock import RealClock
from .conf import write_conf
from .errors import SandboxError
from .mail import MailHub
from .plugin import Plugin
from .server import REPO, Server

TASK_TYPE = "remoteCompletion.RemoteCompletionTask"
IMAP_TYPE = "remoteCompletion.ImapServer"
DOMAIN = "example.com"
REMOTE_ADDRESS = "xlr-remote-completion@" + DOMAIN
PEOPLE = [
    # username, full name, email, how they are on the team
    ("alice", "Alice Archer", "alice@" + DOMAIN, "member"),
    ("bob", "Bob Baker", "bob@" + DOMAIN, "member"),
    ("carol", "Carol Chen", "carol@" + DOMAIN, "role Change managers"),
]
CONF = """\
# Written by the sandbox demo: fetch soon and often, so the story is short.
xl.remote-completion {
  fetching-enabled = true
  startup-delay = 1 second
  sync-interval = 2 seconds
  # The sandbox runs scheduled scripts on one thread (XL Release: a pool):
  # the waiting run holding the IDLE session holds it briefly.
  xlr-push-session = 2 seconds
}
"""


class DemoFailed(Exception):
    pass


WIDTH = 100  # the console stays readable in a 100-column terminal


# Words, and paths cut after each "/" (task ids fold at their parts).
_TOKENS = re.compile(r"[^\s/]*/|[^\s/]+|\s+")


def _fold(line, width=WIDTH):
    """``line`` in pieces of at most ``width`` columns, continuations indented
    four more than the line, cut at spaces or after a "/" where possible."""
    if len(line) <= width:
        return [line]
    indent = " " * min(len(line) - len(line.lstrip(" ")) + 4, width // 2)
    pieces, current = [], ""
    for token in _TOKENS.findall(line):
        if len(current) + len(token) <= width:
            current += token
            continue
        if current.strip():
            pieces.append(current.rstrip())
            current = indent
        if token.isspace():
            continue
        while len(current) + len(token) > width:  # one token wider than a line
            room = width - len(current)
            pieces.append(current + token[:room])
            current, token = indent, token[room:]
        current += token
    if current.strip():
        pieces.append(current.rstrip())
    return pieces


def _say(text=""):
    lines = []
    for line in str(text).split("\n"):
        lines += _fold(line)
    print("\n".join(lines), flush=True)


def _section(title):
    _say()
    _say("== %s ==" % title)


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise DemoFailed("gave up waiting for %s after %ss" % (what, timeout))
        time.sleep(0.1)  # polling a condition with a deadline, not a guess


LINKS_FILE = "links.txt"


def _plain_text(message):
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_content()
    return None


def _show_text(text, prefix="  | "):
    """A mail's text as a mail client shows it: every line, wrapped to fit;
    a mailto link (hundreds of characters) by its length, as it is in full in
    links.txt."""
    for line in text.strip("\n").splitlines():
        bare = line.strip().strip("<>")
        if bare.lower().startswith("mailto:") and len(prefix + line) > WIDTH:
            line = "<%s... (a %d-character link, in full in %s)>" % (
                bare[:40], len(bare), LINKS_FILE)
        for piece in _fold(line, WIDTH - len(prefix)):
            _say(prefix + piece)


def _show_request(person, message, out_dir: Path, eml: Path, full_text: bool):
    name = person[0]
    _say("--- Request mail to %s <%s> ---" % (person[1], person[2]))
    for header in ("From", "To", "Subject", "Date"):
        _say("%-8s %s" % (header + ":", message.get(header, "")))
    plain = _plain_text(message)
    if plain and full_text:
        _say()
        _show_text(plain)
    elif plain:
        _say("(plain text as %s's above, with %s's name and links)" % (PEOPLE[0][1], person[1]))
    _say()
    links = []
    for href, text in mailclient.html_links(message):
        draft = mailclient.parse_mailto(href)
        links.append("%s, %s: %s" % (person[2], text, href))
        _say("  Button %r: a mailto: link of %d characters (in full in %s) that opens" % (
            text, len(href), LINKS_FILE))
        _say("      To:      %s" % ", ".join(draft.to))
        _say("      Subject: %s" % draft.subject)
        _show_text(draft.body.replace("\r\n", "\n"), prefix="      ")
    with open(out_dir / LINKS_FILE, "a", encoding="utf-8") as handle:
        handle.write("".join(line + "\n" for line in links))
    copy = out_dir / ("request-%s.eml" % name)
    shutil.copyfile(eml, copy)
    html_part = next(
        (p.get_content() for p in message.walk() if p.get_content_type() == "text/html"), None
    )
    preview = out_dir / ("request-%s.html" % name)
    if html_part:
        preview.write_text(html_part, encoding="utf-8")
    else:
        preview.write_text("<pre>%s</pre>" % html.escape(plain or ""), encoding="utf-8")
    _say("  saved %s and %s" % (copy.name, preview.name))


# Each name the demo writes into its out folder, with a word.
OUT_FILES = [
    ("request-*.eml", "a request mail as delivered to that person"),
    ("request-*.html", "its HTML part, to open in a browser"),
    (LINKS_FILE, "every button's full mailto: link, one per line"),
    ("reply.eml", "the reply the mail client sent"),
    ("outcome-*.eml", "the answer the plugin sent that person about their reply"),
    ("activity-log.json", "the release's activity log"),
    ("imapd.log", "the embedded IMAP server's log (kept only when not empty)"),
    ("xl-release-home", "the sandbox's XL_RELEASE_SERVER_HOME (conf/xl-release.conf, "
                        "conf/mail-ca.pem)"),
]


def describe(name: str) -> str | None:
    """What an out folder entry is; None for a name the demo does not write."""
    import fnmatch
    for pattern, words in OUT_FILES:
        if fnmatch.fnmatch(name, pattern):
            return words
    return None


def _show_out_folder(out: Path):
    _section("Files in %s" % out)
    entries = sorted(out.iterdir())
    width = max(len(e.name) + e.is_dir() for e in entries)
    for entry in entries:
        name = entry.name + ("/" if entry.is_dir() else "")
        _say("  %-*s  %s" % (width, name, describe(entry.name) or "(not described)"))
    _say("The mail servers' TLS key and mailboxes lived in a temporary folder, now removed.")


XLR_LOGIN = "xl-release@" + DOMAIN


def make_hub(root: Path, **kw):
    """Mail servers for the demo's people: AUTH for everyone, STARTTLS required,
    Authentication-Results stamped.  Returns (hub, passwords by login)."""
    passwords = {address: secrets.token_urlsafe(12) for _, _, address, _ in PEOPLE}
    passwords[XLR_LOGIN] = secrets.token_urlsafe(12)
    hub = MailHub(root, remote_address=REMOTE_ADDRESS, smtp_users=passwords,
                  require_starttls=True, authserv_id="mx." + DOMAIN, **kw)
    return hub, passwords


def configure_server(server, hub, passwords, secret=None, imap_fields=None):
    """People, the SMTP server settings and the IMAP server configuration
    (``imap_fields``: more or other properties, e.g. OAuth 2.0's).
    Returns the IMAP configuration's id."""
    for username, full_name, address, _ in PEOPLE:
        server.add_user(username, address, full_name)
    server.add_role("Change managers", ["carol"])
    server.set_smtp_server(host=hub.smtp_host, port=hub.smtp_port, tls=True,
                           fromAddress="XL Release <%s>" % XLR_LOGIN,
                           username=XLR_LOGIN, password=passwords[XLR_LOGIN])
    fields = dict(
        host=hub.imap_host, port=hub.imap_tls_port,
        useTls=True, tlsMode="IMPLICIT", username=hub.imap_user, password=hub.imap_password,
        fromAddress=REMOTE_ADDRESS, enableWhitelisting=True, domainWhitelist={DOMAIN},
        secret=secret or secrets.token_urlsafe(32), trustedCertificates=hub.ca_pem.read_text())
    fields.update(imap_fields or {})
    return server.create_configuration(IMAP_TYPE, "Remote completion mailbox", **fields)


def create_release(server):
    """The demo release; returns (release id, remote completion task id, next task id)."""
    release = server.create_release("Payments service 2.4", description="Quarterly release")
    phase = server.add_phase(release, "Production")
    server.add_team(
        release, "Release approvers", members=["alice", "bob"], roles=["Change managers"]
    )
    task = server.add_task(phase, TASK_TYPE, "Approve the production deployment",
                           description="Check the change record before answering.",
                           team="Release approvers")
    after = server.add_task(phase, "xlrelease.Task", "Announce the release")
    return release, task, after


def mail_client(hub, passwords, person):
    """The mail client of one of PEOPLE, submitting over STARTTLS with AUTH."""
    return mailclient.MailClient(person[2], mailclient.SmtpAccount(
        hub.smtp_host, hub.smtp_port, hub.ca_pem, "starttls", person[2], passwords[person[2]]),
        full_name=person[1])


REPLY_WORDS = "Approved, CR-1042 checked"   # what the person types with --reply


def run_demo(action: str = "complete", out: Path = Path("out/demo"), jar: Path | None = None,
             timeout: float = 60.0, oauth: bool = False, reply: bool = False,
             serve: bool = False) -> int:
    global _MODE
    _MODE = {"reply": reply, "serve": serve}
    if reply:
        action = "complete"
    if oauth:   # the mailbox in Dovecot, the plugin logging in with XOAUTH2
        from .oauthbox import oauth_mailbox
        with oauth_mailbox(REMOTE_ADDRESS) as (external, tls, fields, _service, _dovecot):
            return _run(action, out, jar, timeout, dict(imap=external, tls=tls), fields)
    return _run(action, out, jar, timeout)


_MODE = {"reply": False, "serve": False}


def _run(action, out, jar, timeout, hub_options=None, imap_fields=None) -> int:
    action = action.upper()
    expected = {"COMPLETE": "COMPLETED", "FAIL": "FAILED"}[action]
    out = Path(out).resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    home = out / "xl-release-home"
    write_conf(home, CONF)

    # The mail servers' files (TLS private key, mailboxes) stay out of `out`.
    with tempfile.TemporaryDirectory(prefix="xlr-demo-mail-") as mail_root:
        hub, passwords = make_hub(Path(mail_root), **(hub_options or {}))
        _section("Mail servers")
        try:
            hub.start()
            info = hub.info()
            smtp = info["smtp"]
            _say("SMTP  %s: STARTTLS port %s, implicit TLS port %s, AUTH required" % (
                smtp["host"], smtp["starttls_port"], smtp["implicit_tls_port"]))
            _say("IMAP  %s: STARTTLS port %s, implicit TLS port %s" % (
                info["imap"]["host"], info["imap"]["port"], info["imap"]["implicit_tls_port"]))
            _say("      mailbox %s, where the replies go" % REMOTE_ADDRESS)
            _say("TLS   certificates signed by a CA made now; its key and the people's mailboxes")
            _say("      are in %s (removed at the end)" % mail_root)
            result = _story(action, expected, out, home, hub, passwords, jar, timeout, imap_fields)
        except (DemoFailed, SandboxError) as failure:
            _say()
            _say("DEMO FAILED: %s" % failure)
            result = 1
        finally:
            hub.stop()
            log = Path(mail_root) / "imapd.log"
            if log.is_file() and log.stat().st_size:
                shutil.copyfile(log, out / "imapd.log")
    _show_out_folder(out)
    return result


def _story(action, expected, out, home, hub, passwords, jar, timeout, imap_fields=None):
    plugin = Plugin.from_jar(jar) if jar else Plugin.from_repo(REPO)
    _section("XL Release sandbox")
    _say("home    %s (XL_RELEASE_SERVER_HOME)" % home)
    ca_copy = home / "conf" / "mail-ca.pem"   # what an admin would paste into trustedCertificates
    shutil.copyfile(hub.ca_pem, ca_copy)
    _say("CA      %s" % ca_copy)
    _say("plugin  %s" % plugin.location)
    server = Server(home, [plugin], clock=RealClock())
    # The page reads task links as the plugin writes them.
    if str(REPO / "plugin") not in sys.path:
        sys.path.append(str(REPO / "plugin"))
    from .web import TaskPages
    pages = TaskPages(server).start()
    try:
        return _story_with_pages(action, expected, out, home, hub, passwords, timeout,
                                 imap_fields, server, pages)
    finally:
        pages.stop()


def _story_with_pages(action, expected, out, home, hub, passwords, timeout, imap_fields, server,
                      pages):
    from remote_completion.tasklink import task_url
    # The task link in the request mails points at the sandbox's task page.
    write_conf(home, CONF.rstrip().rstrip("}") + '  server-url = "%s"\n}\n' % pages.base_url)
    _say("pages   %s (server-url: the task page the mails link to)" % pages.base_url)
    if server.run_jobs:
        _say("fetch   the sandbox runs xl-rules.xml's fetch job (asked for; XL Release would not):"
             " startup-delay 1 second, sync-interval 2 seconds")
    else:
        _say("fetch   as on XL Release, no scheduled job: the waiting script that holds the"
             " JVM-wide slot")
        _say("        waits in IMAP IDLE (2 s at a time here) and records verdicts; each task's"
             " own run")
        _say("        ends it (push-enabled; polling at sync-interval, 2 s, without IDLE)")
    with server:
        configure_server(server, hub, passwords, imap_fields=imap_fields)
        _say("SMTP server settings and the IMAP server configuration saved:")
        for entry in server.list_configurations():
            _say("  %s" % entry["type"])
            for key, value in entry["properties"].items():
                if isinstance(value, str) and "BEGIN CERTIFICATE" in value:
                    value = "(PEM, %d characters)" % len(value)
                elif isinstance(value, set):
                    value = sorted(value)
                _say("      %-28s %s" % (key, value))

        release, task, after = create_release(server)
        _section("Release")
        _say("'Payments service 2.4' / phase 'Production':")
        _say("  1. Approve the production deployment  (remote completion, team Release approvers)")
        _say("  2. Announce the release               (manual)")
        _say("team Release approvers: alice, bob, and role Change managers (carol)")
        server.start_release(release)
        _say("release started")

        _section("Request mails")
        for index, person in enumerate(PEOPLE):
            address = person[2]
            try:
                messages = hub.wait_for_mail(address, 1, timeout)
            except TimeoutError:
                bean = server.task_bean(task)
                raise DemoFailed("no request mail for %s; task is %s; task log:\n%s" % (
                    address, bean.status, "\n".join(c.text for c in bean.comments))) from None
            _show_request(person, messages[0], out, hub.mailbox_files(address)[0], index == 0)
        _say("status line: %s" % server.task_bean(task).statusLine)

        link = task_url(pages.base_url, task)
        _say("task link in the mails: %s" % link)

        clicker = PEOPLE[0]
        comment = {"COMPLETE": "Change record CR-1042 checked: go ahead.",
                   "FAIL": "The change record is missing the rollback plan."}[action]
        client = mail_client(hub, passwords, clicker)
        if _MODE["reply"]:
            _section("%s presses Reply" % clicker[1])
            reply = client.reply(hub.mailbox(clicker[2])[0], REPLY_WORDS)
            _say("%s pressed Reply on the request, typed \"%s\" above the quote" % (
                clicker[1], REPLY_WORDS))
        else:
            _section("%s clicks %s" % (clicker[1], action.title()))
            reply = client.click(hub.mailbox(clicker[2])[0], action, comment=comment)
            _say("%s's mail client opened the %s link, a comment was typed on its first line" % (
                clicker[1], action.title()))
        (out / "reply.eml").write_bytes(bytes(reply))
        _say("and the reply went out (SMTP with STARTTLS, AUTH as %s):" % clicker[2])
        _say()
        for header in ("From", "To", "Subject", "Date"):
            _say("  %-8s %s" % (header + ":", reply.get(header, "")))
        _say()
        text = _plain_text(reply) or ""
        if _MODE["reply"]:   # the words, then the quote's first line: the rest is the request
            lines = text.splitlines()
            quote = next((i for i, line in enumerate(lines) if line.startswith(">")), len(lines))
            text = "\n".join(lines[:quote + 1] + ["> ... (the request, quoted)"])
        _show_text(text)
        _say("saved reply.eml")

        _section("Fetch job" if server.run_jobs else "Waiting script fetches")
        started = time.monotonic()

        def fetch_runs():
            return server.job_runs if server.run_jobs else server.task_runs(task)[1:]
        try:
            _wait(lambda: str(server.task_bean(task).status) == expected, timeout,
                  "the task to become %s" % expected)
        except DemoFailed:
            detail = "\n".join(
                "run %s: %s %s"
                % (r.started.time(), r.outcome, (r.error or r.output or "").strip())
                for r in fetch_runs()[-3:]
            )
            raise DemoFailed("the task is %s, not %s, after %ss; last fetch runs:\n%s" % (
                server.task_bean(task).status, expected, timeout, detail)) from None
        _say("task is %s after %.1f s (%d fetch run(s))" % (expected, time.monotonic() - started,
                                                            len(fetch_runs())))
        bean = server.task_bean(task)
        for c in bean.comments:
            _say("  comment by %s:" % c.author)
            _show_text(c.text, prefix="    ")
        if action == "COMPLETE":
            _say(
                "next task '%s' is %s"
                % (server.task_bean(after).title, server.task_bean(after).status)
            )

        _section("Outcome reply")
        answer = _wait_for_outcome(hub, clicker[2], timeout)
        name = "outcome-%s.eml" % clicker[0]
        (out / name).write_bytes(bytes(answer))
        for header in ("From", "To", "Subject", "In-Reply-To", "Auto-Submitted"):
            _say("  %-15s %s" % (header + ":", answer.get(header, "")))
        _show_text(_plain_text(answer) or "")
        _say("saved %s" % name)

        _section("Activity log")
        entries = server.activity_log(release)
        for entry in entries:
            _say("%s  %-6s %-18s %s" % (entry.eventTime.strftime("%H:%M:%S"), entry.username,
                                        entry.activityType, "/".join(entry.categories)))
            for line in textwrap.wrap(entry.message, WIDTH - 10, max_lines=2,
                                      placeholder=" [...]"):
                _say(" " * 10 + line)
        log_file = out / "activity-log.json"
        log_file.write_text(json.dumps([e.to_json() for e in entries], indent=2))
        _say("saved %s (each entry in full)" % log_file.name)
        left = hub.imap_count()
        _say("remote completion INBOX now holds %d message(s)" % left)
        if _MODE["serve"]:
            _section("Task page")
            _say("serving the task page at %s" % link)
            _say("(open it in a browser; Ctrl-C ends the demo)")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    _section("Done")
    _say("The task was %s by a reply email." % expected.lower())
    return 0


def _wait_for_outcome(hub, address, timeout):
    def found():
        return [m for m in hub.mailbox(address)
                if str(m.get("X-XLR-Remote-Completion", "")) == "outcome"]
    _wait(lambda: bool(found()), timeout, "the outcome reply to %s" % address)
    return found()[-1]


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m sandbox demo", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--action", choices=("complete", "fail"), default="complete")
    parser.add_argument("--out", type=Path, default=Path("out/demo"))
    parser.add_argument(
        "--jar", type=Path, help="load the plugin from this jar instead of the source tree"
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each step")
    parser.add_argument("--oauth", action="store_true",
                        help="keep the mailbox in Dovecot and log in with OAuth 2.0 (XOAUTH2) "
                             "against a local token service")
    parser.add_argument("--reply", action="store_true",
                        help="the person presses Reply and types \"%s\" (no button)"
                        % REPLY_WORDS)
    parser.add_argument("--serve", action="store_true",
                        help="at the end, keep serving the task page the mails link to "
                             "(until Ctrl-C)")
    args = parser.parse_args(argv)
    return run_demo(args.action, args.out, args.jar, args.timeout, args.oauth, args.reply,
                    args.serve)


if __name__ == "__main__":
    sys.exit(main())
