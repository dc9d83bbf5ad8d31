"""The mail client stand-in: finds the buttons, follows mailto (RFC 6068), sends."""
from __future__ import annotations

from email.message import EmailMessage

import pytest

from sandbox import mailclient
from sandbox.mail import MailHub

REMOTE = "xlr-remote@example.com"
BODY = (
    "\r\n\r\nPlease send this message to Complete task with title 'Déploy + test' on release "
    "'R'\r\n\r\n"
    "METADATA (DO NOT MODIFY)\r\nACTION: COMPLETE\r\nTASK_ID: "
    "Applications/Release1/Phase2/Task3\r\n"
    "SIGNATURE: v1." + "ab" * 32
)
ENCODED_BODY = (
    "%0D%0A%0D%0APlease%20send%20this%20message%20to%20Complete%20task%20with%20title%20"
    "%27D%C3%A9ploy%20%2B%20test%27%20on%20release%20%27R%27%0D%0A%0D%0AMETADATA%20%28DO%20NOT"
    "%20MODIFY%29%0D%0AACTION%3A%20COMPLETE%0D%0ATASK_ID%3A%20Applications%2FRelease1%2FPhase2"
    "%2FTask3%0D%0ASIGNATURE%3A%20v1." + "ab" * 32
)
COMPLETE_URI = "mailto:%s?subject=Complete%%3A%%20D%%C3%%A9ploy%%20%%2B%%20test&body=%s" % (
    REMOTE, ENCODED_BODY)
FAIL_URI = COMPLETE_URI.replace("subject=Complete", "subject=Fail").replace("ACTION%3A%20COMPLETE",
                                                                             "ACTION%3A%20FAIL")


def request(complete=COMPLETE_URI, fail=FAIL_URI):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = (
        "xlr@example.com", "alice@example.com", "Action required")
    msg.set_content("Complete: <%s>\nFail: <%s>\n" % (complete, fail))
    html_href = lambda uri: uri.replace("&", "&amp;")  # noqa: E731 - as an HTML author writes it
    msg.add_alternative('<p><a href="%s" style="x">Complete <b>task</b></a> '
                        '<a href="%s">Fail task</a> <a href="https://example.com">site</a></p>'
                        % (html_href(complete), html_href(fail)), subtype="html")
    return msg


def test_parse_mailto_decodes_as_rfc_6068_says():
    draft = mailclient.parse_mailto(COMPLETE_URI)
    assert draft.to == (REMOTE,)
    assert draft.subject == "Complete: Déploy + test"
    assert draft.body == BODY
    assert draft.action == "COMPLETE"


def test_plus_is_a_plus_and_bare_newlines_become_crlf():
    draft = mailclient.parse_mailto("mailto:a@example.com?subject=a+b&body=one%0Atwo")
    assert draft.subject == "a+b"
    assert draft.body == "one\r\ntwo"


def test_extra_recipients_and_unknown_fields():
    draft = mailclient.parse_mailto(
        "mailto:a@example.com,b@example.com?to=c@example.com&cc=d@example.com&X-Evil=1&subject=s"
    )
    assert draft.to == ("a@example.com", "b@example.com", "c@example.com")
    assert draft.cc == ("d@example.com",)
    with pytest.raises(ValueError):
        mailclient.parse_mailto("https://example.com")


def test_buttons_are_found_in_html_and_plain_parts():
    msg = request()
    for part in ("html", "plain"):
        assert mailclient.button(msg, "complete", part).uri == COMPLETE_URI
        assert mailclient.button(msg, "FAIL", part).uri == FAIL_URI
    assert [text for _, text in mailclient.html_links(msg)] == ["Complete task", "Fail task"]


def test_missing_or_conflicting_buttons_are_errors():
    with pytest.raises(LookupError):
        mailclient.button(request(fail=COMPLETE_URI), "FAIL")
    conflicting = request()
    conflicting.get_body(("html",)).set_content(
        '<a href="%s">Complete</a><a href="%s">Complete</a>' % (COMPLETE_URI, COMPLETE_URI + "x"),
        subtype="html",
    )
    with pytest.raises(LookupError):
        mailclient.button(conflicting, "COMPLETE")


def test_a_typed_comment_goes_above_the_block():
    draft = mailclient.parse_mailto(COMPLETE_URI)
    body = mailclient.type_comment(draft, "Looks fine.\nShip it.")
    assert body == "Looks fine.\r\nShip it." + BODY
    assert mailclient.type_comment(draft, None) == BODY


def test_the_plugins_mailto_links_read_back_the_same():
    from remote_completion import mailto
    uri = mailto.build(REMOTE, "Complete: Déploy + test", BODY.replace("\r\n", "\n"))
    draft = mailclient.parse_mailto(uri)
    assert (draft.to, draft.subject, draft.body) == ((REMOTE,), "Complete: Déploy + test", BODY)


def test_click_sends_the_reply_from_the_persons_address(tmp_path):
    with MailHub(tmp_path, remote_address=REMOTE, smtp_users={"alice@example.com": "pw-alice"},
                 require_starttls=True) as hub:
        client = mailclient.MailClient("alice@example.com", mailclient.SmtpAccount(
            hub.smtp_host, hub.smtp_port, hub.ca_pem, "starttls", "alice@example.com", "pw-alice"),
            full_name="Alice Archer")
        client.click(request(), "complete", comment="Approved.")
        (reply,) = hub.imap_messages()
    assert reply["From"] == "Alice Archer <alice@example.com>"
    assert reply["To"] == REMOTE
    assert reply["Subject"] == "Complete: Déploy + test"
    text = reply.get_content().replace("\r\n", "\n")
    assert text.startswith("Approved.\n\nPlease send this message")
    assert "TASK_ID: Applications/Release1/Phase2/Task3\nSIGNATURE: v1." + "ab" * 32 in text
