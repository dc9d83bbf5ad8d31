"""The request mail parsed back with the email package, and its links decoded."""
import email
import email.policy
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings, strategies as st

from remote_completion import compose, mailto, metadata, signature

SECRET = "compose-test-secret"
TASK_ID = "Applications/Release0a1b2c/Phase3d4e5f/Task6a7b8c"
REPLY_TO = "xlr-inbox@example.com"
SMTP_FROM = "XL Release <xlr@mail.example.com>"


RUN = "0123456789abcdef"


def signatures(address, run=RUN, task_id=TASK_ID):
    return {a: signature.sign(SECRET, a, task_id, address, run) for a in ("COMPLETE", "FAIL")}


def build(title="Deploy to production", release="Release 2.4", phase="Production",
          description="Check the dashboards first.\nThen approve.", name="Alice Smith",
          address="alice@example.com", assigned="Alice Smith, team Ops", task_id=TASK_ID):
    details = compose.RequestDetails(task_id, title, release, phase, description, assigned)
    message = compose.compose_request(details, address, name, SMTP_FROM, REPLY_TO,
                                      signatures(address, task_id=task_id), now=1700000000)
    raw = compose.message_bytes(message)
    return raw, email.message_from_bytes(raw, policy=email.policy.default)


class Links(HTMLParser):
    """Every <a>, its attributes, its text and its ancestors' tags/attributes."""

    def __init__(self):
        super().__init__()
        self.stack, self.anchors, self.tags = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag not in ("br", "meta", "img"):
            self.stack.append((tag, attrs))
        if tag == "a":
            self.anchors.append({"attrs": attrs, "text": "", "ancestors": list(self.stack[:-1])})

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "a" and self.anchors:
            self.anchors[-1]["text"] += data


def parts(msg):
    plain = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    # Line ends as a mail client shows them (the wire form is CRLF).
    return (plain.get_content().replace("\r\n", "\n"), html.get_content().replace("\r\n", "\n"))


def buttons(html):
    parser = Links()
    parser.feed(html)
    return {a["text"].strip(): a for a in parser.anchors}, parser


def test_headers():
    raw, msg = build()
    assert raw.decode("ascii")  # 7-bit clean
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["From"] == SMTP_FROM
    assert msg["To"] == "Alice Smith <alice@example.com>"
    assert msg["Reply-To"] == REPLY_TO
    assert msg["Subject"] == "Action required: Deploy to production"
    assert re.fullmatch(r"<[^@<>\s]+@mail\.example\.com>", msg["Message-ID"])
    assert msg["Date"].datetime.timestamp() == 1700000000
    assert b"\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\n" in raw
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg[metadata.MARKER_HEADER] == metadata.MARKER_REQUEST


def test_two_utf8_parts_with_the_task_details():
    raw, msg = build(title="Déployer en production ✓", release="Version 3 — été",
                     phase="Phase ünï", name="Zoë Ünal", description="Vérifier <les> & tableaux")
    types = [p.get_content_type() for p in msg.iter_parts()]
    assert types == ["text/plain", "text/html"]
    for part in msg.iter_parts():
        assert part.get_content_charset() == "utf-8"
    plain, html = parts(msg)
    assert msg["Subject"] == "Action required: Déployer en production ✓"
    assert msg["To"].addresses[0].display_name == "Zoë Ünal"
    for text in ("Déployer en production ✓", "Version 3 — été", "Phase ünï", "Zoë Ünal"):
        assert text in plain and text in html
    assert "Vérifier <les> & tableaux" in plain
    assert "Vérifier &lt;les&gt; &amp; tableaux" in html
    assert "Alice Smith, team Ops" in plain


def check_link(link, action, title, release, address=("alice@example.com"), run=RUN):
    assert len(link) < 2000
    to, subject, body, others = mailto.parse(link)
    assert to == REPLY_TO and others == {}
    assert subject == "%s: %s" % ({"COMPLETE": "Complete", "FAIL": "Fail"}[action], title)
    lines = body.split("\r\n")
    assert lines[0] == "" and lines[1] == ""
    assert lines[2] == "Please send this message to %s task with title '%s' on release '%s'" % (
        {"COMPLETE": "Complete", "FAIL": "Fail"}[action], title, release)
    assert lines[3:7] == [
        "", "METADATA (DO NOT MODIFY)", "ACTION: " + action, "TASK_ID: " + TASK_ID]
    assert lines[7].startswith("SIGNATURE: v2.") and len(lines) == 8
    sig = lines[7].split(": ", 1)[1]
    assert signature.verify(SECRET, sig, action, TASK_ID, address) == run
    other = "FAIL" if action == "COMPLETE" else "COMPLETE"
    assert signature.verify(SECRET, sig, other, TASK_ID, address) is None
    assert signature.verify(SECRET, sig, action, TASK_ID, "bob@example.com") is None
    return body


def test_buttons_are_bulletproof_mailto_links():
    raw, msg = build()
    plain, html = parts(msg)
    found, parser = buttons(html)
    assert set(found) == {"Complete task", "Fail task"}
    for label, action in (("Complete task", "COMPLETE"), ("Fail task", "FAIL")):
        anchor = found[label]
        href = anchor["attrs"]["href"]
        check_link(href, action, "Deploy to production", "Release 2.4")
        # Table-based button: the link sits in a coloured cell of a table, inline styles only.
        cell = anchor["ancestors"][-1]
        assert cell[0] == "td" and cell[1].get("bgcolor") and "padding" in cell[1]["style"]
        assert any(tag == "table" for tag, _ in anchor["ancestors"])
        assert "color:#ffffff" in anchor["attrs"]["style"]
        # The plain part carries exactly the same links.
        assert "<%s>" % href in plain
    assert not any("class" in attrs for _, attrs in parser.tags)
    assert not any(tag in ("img", "style", "script", "link") for tag, _ in parser.tags)


def test_plain_part_has_a_manual_fallback():
    raw, msg = build()
    plain, _ = parts(msg)
    assert REPLY_TO in plain and "alice@example.com" in plain
    assert '"Complete: Deploy to production"' in plain and '"Fail: Deploy to production"' in plain
    sigs = signatures("alice@example.com")
    for action in ("COMPLETE", "FAIL"):
        block = "METADATA (DO NOT MODIFY)\nACTION: %s\nTASK_ID: %s\nSIGNATURE: %s" % (
            action, TASK_ID, sigs[action])
        assert block in plain


@pytest.mark.parametrize("title,release", [
    ("T" * 5000, "R" * 3000),
    ("日本語のタスク" * 400, "リリース" * 300),
    ("🚀 deploy " * 300, "Release 🚀" * 200),
    ("a b&c=d?e%f#g+h " * 200, "x" * 10),
])
def test_links_stay_under_the_outlook_limit(title, release):
    _, msg = build(title=title, release=release)
    plain, html = parts(msg)
    found, _ = buttons(html)
    for label, action in (("Complete task", "COMPLETE"), ("Fail task", "FAIL")):
        href = found[label]["attrs"]["href"]
        assert len(href) < compose.MAX_LINK_LENGTH
        to, subject, body, others = mailto.parse(href)
        assert others == {} and to == REPLY_TO
        assert subject.endswith(compose.ELLIPSIS)
        shown = subject.split(": ", 1)[1][:-1]
        assert title.startswith(shown.rstrip()) and len(shown) > 10
        assert "ACTION: " + action in body and "TASK_ID: " + TASK_ID in body
    # The request's own subject is bounded too.
    assert len(msg["Subject"]) <= len("Action required: ") + compose.SUBJECT_TITLE_LIMIT


def test_header_injection_is_neutralised():
    evil = "Deploy\r\nBcc: victim@example.com\r\nX-Evil: 1\n\nbody"
    raw, msg = build(title=evil, name="Mallory\r\nCc: other@example.com", release="R\rX-Evil: 2")
    assert msg["Bcc"] is None and msg["Cc"] is None and msg["X-Evil"] is None
    assert msg.get_all("To") == [msg["To"]] and len(msg["To"].addresses) == 1
    assert msg["To"].addresses[0].addr_spec == "alice@example.com"
    assert "\n" not in str(msg["Subject"]) and "Bcc: victim@example.com" in str(msg["Subject"])
    for part in msg.iter_parts():
        assert part["X-Evil"] is None
    found, _ = buttons(parts(msg)[1])
    body = mailto.parse(found["Complete task"]["attrs"]["href"])[2]
    # The title stays on the sentence line: no forged metadata line.
    assert [l for l in body.split("\r\n") if l.startswith("ACTION:")] == ["ACTION: COMPLETE"]


def test_titles_cannot_forge_metadata_or_link_fields():
    title = "x&body=ACTION%3A%20FAIL\r\nACTION: FAIL\r\nTASK_ID: Applications/Other"
    _, msg = build(title=title, release="r?subject=owned#frag")
    plain, html = parts(msg)
    found, _ = buttons(html)
    to, subject, body, others = mailto.parse(found["Complete task"]["attrs"]["href"])
    assert others == {} and to == REPLY_TO
    lines = body.split("\r\n")
    assert [l for l in lines if l.startswith(("ACTION:", "TASK_ID:"))] == [
        "ACTION: COMPLETE", "TASK_ID: " + TASK_ID]


def test_html_escapes_untrusted_text():
    _, msg = build(title='<script>alert(1)</script>"onload=', release="<b>R</b>",
                   description="<img src=x onerror=alert(1)>", assigned="<i>Ops</i>",
                   name="<Eve>")
    _, html = parts(msg)
    assert "<script>" not in html and "<img" not in html and "<b>R</b>" not in html
    assert "<i>Ops</i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;onload=" in html
    assert "&lt;Eve&gt;" in html


def test_unusable_addresses_are_refused():
    details = compose.RequestDetails(TASK_ID, "t", "r")
    for bad in ("alice@example.com\r\nBcc: x@y", "no-at-sign", "a b@example.com", "<a@b>", ""):
        with pytest.raises(ValueError):
            compose.compose_request(details, bad, "A", SMTP_FROM, REPLY_TO, signatures("a@b.c"))


def test_reply_template_matches_the_contract():
    subject, body = compose.reply_template(
        "FAIL", "My task", "My release", TASK_ID, "v2.%s.%s" % (RUN, "0" * 64)
    )
    assert subject == "Fail: My task"
    assert body == ("\r\n\r\nPlease send this message to Fail task with title 'My task' on release "
                    "'My release'\r\n\r\nMETADATA (DO NOT MODIFY)\r\nACTION: FAIL\r\nTASK_ID: "
                    + TASK_ID + "\r\nSIGNATURE: v2.%s.%s" % (RUN, "0" * 64))


@settings(max_examples=60, deadline=None)
@given(title=st.text(max_size=3000), release=st.text(max_size=1000))
def test_any_title_gives_a_valid_bounded_link(title, release):
    sig = signature.sign(SECRET, "COMPLETE", TASK_ID, "alice@example.com", RUN)
    link = compose.reply_link(REPLY_TO, "COMPLETE", title, release, TASK_ID, sig)
    assert len(link) < compose.MAX_LINK_LENGTH
    to, subject, body, others = mailto.parse(link)
    assert to == REPLY_TO and others == {}
    assert subject.startswith("Complete: ") and "\n" not in subject and "\r" not in subject
    lines = body.split("\r\n")
    assert len(lines) == 8 and lines[4:] == [
        "METADATA (DO NOT MODIFY)", "ACTION: COMPLETE", "TASK_ID: " + TASK_ID, "SIGNATURE: " + sig]
    assert signature.verify(SECRET, lines[7][len("SIGNATURE: "):], "COMPLETE", TASK_ID,
                            "alice@example.com") == RUN


@pytest.mark.parametrize("text", ["", "plain", "a b", "x+y=z&w?v#u%t", "é ü 日本 🚀", "a\r\nb\nc"])
def test_mailto_round_trip(text):
    link = mailto.build("a.b+c@example.com", text, text)
    assert " " not in link and "+" not in link.split("?", 1)[1]
    to, subject, body, _ = mailto.parse(link)
    assert to == "a.b+c@example.com" and subject == text
    assert body == text.replace("\r\n", "\n").replace("\n", "\r\n")
    if "\n" in text:
        assert "%0D%0A" in link


def test_the_fetchers_parser_understands_the_reply_a_button_opens():
    from email.mime.text import MIMEText

    from remote_completion import reply

    raw, msg = build(title="Déployer ✓", release="Été 2024")
    found, _ = buttons(parts(msg)[1])
    for label, action in (("Complete task", "COMPLETE"), ("Fail task", "FAIL")):
        to, subject, body, _ = mailto.parse(found[label]["attrs"]["href"])
        # What a mail client sends: the person's comment typed in the room left for it.
        answer = MIMEText("Looks good to me." + body, "plain", "utf-8")
        answer["From"] = "Alice Smith <alice@example.com>"
        answer["To"] = to
        answer["Subject"] = subject
        parsed = reply.parse_reply(answer.as_bytes())
        assert parsed.error is None, parsed.error
        assert (parsed.action, parsed.task_id) == (action, TASK_ID)
        assert signature.verify(SECRET, parsed.signature, action, TASK_ID,
                                parsed.sender_address) == RUN
        assert "Looks good to me." in parsed.comment
        assert "Please send" not in parsed.comment
    # The request mail itself is recognised as the plugin's own.
    assert reply.parse_reply(raw).self_sent


def test_message_bytes_have_crlf_line_ends_and_short_lines():
    raw, _ = build(title="T" * 3000, description="x" * 3000)
    assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998


def test_the_fallback_block_wraps_on_narrow_screens():
    """The task id is one long word: the HTML lets it break, so a phone's mail
    app does not scroll the whole mail sideways."""
    _raw, msg = build()
    _plain, html = parts(msg)
    blocks = [p for p in html.split("<p ") if "METADATA (DO NOT MODIFY)" in p]
    assert len(blocks) == 2
    for block in blocks:
        style = block.split('style="', 1)[1].split('"', 1)[0]
        assert "word-break:break-all" in style and "overflow-wrap:anywhere" in style
        assert TASK_ID in block
