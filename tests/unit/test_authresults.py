"""Sender authentication from Authentication-Results headers (RFC 8601).

Samples are shaped like what real receivers write: Gmail, Exchange Online,
Postfix with opendkim/opendmarc (as in front of Dovecot), rspamd.
"""
import email
import email.policy

import pytest
from hypothesis import given, settings, strategies as st

from remote_completion import authresults

PINNED = "mail.example.org"

GMAIL = (
    "mx.google.com;\r\n"
    "       dkim=pass header.i=@corp.com header.s=20230601 header.b=Xy12AbCd;\r\n"
    "       spf=pass (google.com: domain of alice@corp.com designates 209.85.220.41 as permitted "
    "sender)"
    " smtp.mailfrom=alice@corp.com;\r\n"
    "       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=corp.com")

# Exchange Online writes no authserv-id at all.
OFFICE365 = (
    "spf=pass (sender IP is 40.107.22.56)\r\n smtp.mailfrom=corp.com; dkim=pass (signature was "
    "verified)\r\n"
    " header.d=corp.com;dmarc=pass action=none header.from=corp.com;compauth=pass\r\n reason=100")

OPENDKIM = ("mail.example.org;\r\n\tdkim=pass (2048-bit key; unprotected) header.d=corp.com"
            " header.i=@corp.com header.a=rsa-sha256 header.s=mail header.b=\"AbCdEf12\";\r\n"
            "\tdkim-atps=neutral")
OPENDMARC = "mail.example.org; dmarc=pass (p=none dis=none) header.from=corp.com"
POLICYD_SPF = "mail.example.org; spf=pass (sender SPF authorized) smtp.mailfrom=bounce.corp.com"
RSPAMD = ("mail.example.org;\r\n\tdkim=pass header.d=corp.com header.s=dkim header.b=ABCDEF;\r\n"
          "\tdmarc=pass (policy=reject) header.from=corp.com;\r\n"
          "\tspf=pass (mail.example.org: domain of alice@corp.com designates 192.0.2.1 as "
          "permitted sender)"
          " smtp.mailfrom=alice@corp.com")


def headers(*values):
    return [("Authentication-Results", v) for v in values]


# --- parsing --------------------------------------------------------------

def test_parses_gmail():
    h = authresults.parse_header(GMAIL)
    assert h.authserv_id == "mx.google.com"
    assert [(r.method, r.result) for r in h.results] == [
        ("dkim", "pass"), ("spf", "pass"), ("dmarc", "pass")]
    assert h.results[0].props["header.i"] == "@corp.com"
    assert h.results[1].props["smtp.mailfrom"] == "alice@corp.com"
    assert h.results[2].props["header.from"] == "corp.com"


def test_parses_office365_without_authserv_id():
    h = authresults.parse_header(OFFICE365)
    assert h.authserv_id is None
    assert [r.method for r in h.results] == ["spf", "dkim", "dmarc", "compauth"]
    assert h.results[2].props == {"action": "none", "header.from": "corp.com"}


def test_parses_version_quoted_values_nested_comments_and_method_version():
    h = authresults.parse_header(
        '"Mail.Example.org" 1 (a (nested) comment); dkim/1 = pass (ok \\) still) '
        'header.d = "corp.com" header.b="x;y"; none')
    assert h.authserv_id == "mail.example.org"
    assert len(h.results) == 1
    r = h.results[0]
    assert (r.method, r.result, r.props["header.d"], r.props["header.b"]) == (
        "dkim", "pass", "corp.com", "x;y")


def test_first_property_value_wins():
    h = authresults.parse_header(PINNED + "; dmarc=pass header.from=corp.com header.from=evil.io")
    assert h.results[0].props["header.from"] == "corp.com"


@pytest.mark.parametrize("value", [
    "", ";", ";;;", "mail.example.org;", "mail.example.org; dkim", "mail.example.org; dkim=",
    "mail.example.org; =pass", 'mail.example.org; dkim=pass header.d="corp.com',
    "mail.example.org; dkim=pass (unclosed comment header.d=corp.com",
    "(" * 500 + "x", "\x00\x01\x02", "a" * 100000, "mail.example.org; dkim=pass header.d=",
])
def test_malformed_headers_parse_to_nothing_usable(value):
    h = authresults.parse_header(value)
    ok, reason = authresults.check(headers(value), "alice@corp.com", PINNED)
    assert not ok, (h, reason)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab.;=/()"\\ @\r\n\tdkimpassfrom') + ["é", "\x00"])))
def test_parser_never_raises(value):
    h = authresults.parse_header(value)
    assert isinstance(h.results, list)
    ok, reason = authresults.check(headers(value), "alice@corp.com", PINNED)
    assert isinstance(ok, bool) and "\n" not in reason


# --- the check ------------------------------------------------------------

def test_gmail_pass_when_pinned_to_google():
    ok, reason = authresults.check(headers(GMAIL), "Alice@Corp.com", "mx.google.com")
    assert ok, reason
    assert "mx.google.com" in reason


@pytest.mark.parametrize("value", [OPENDKIM, OPENDMARC, POLICYD_SPF, RSPAMD])
def test_postfix_milter_and_rspamd_styles_pass(value):
    ok, reason = authresults.check(headers(value), "alice@corp.com", PINNED)
    assert ok, reason


def test_postfix_three_separate_headers_pass():
    ok, reason = authresults.check(
        headers(OPENDKIM, OPENDMARC, POLICYD_SPF), "alice@corp.com", PINNED
    )
    assert ok, reason


def test_office365_never_matches_a_pinned_id():
    for pinned in (PINNED, "spf", "outlook.com"):
        ok, reason = authresults.check(headers(OFFICE365), "alice@corp.com", pinned)
        assert not ok
    assert "no Authentication-Results from" in reason


def test_forged_header_with_another_id_is_ignored():
    forged = "evil-mx.evil.io; dmarc=pass header.from=corp.com; dkim=pass header.d=corp.com"
    ok, reason = authresults.check(headers(forged), "alice@corp.com", PINNED)
    assert not ok
    assert "1 other ignored" in reason


def test_forged_pass_next_to_the_real_fail_is_rejected():
    real = (
        PINNED
        + "; dkim=none; spf=fail smtp.mailfrom=corp.com; dmarc=fail (p=reject) header.from=corp.com"
    )
    forged = PINNED + "; dmarc=pass header.from=corp.com; dkim=pass header.d=corp.com"
    for order in ((real, forged), (forged, real)):
        ok, reason = authresults.check(headers(*order), "alice@corp.com", PINNED)
        assert not ok
        assert "dmarc=fail" in reason


def test_conflicting_spf_results_are_rejected():
    real = PINNED + "; spf=softfail smtp.mailfrom=corp.com"
    forged = PINNED + "; spf=pass smtp.mailfrom=corp.com"
    ok, reason = authresults.check(headers(forged, real), "alice@corp.com", PINNED)
    assert not ok and "spf=softfail" in reason


def test_authserv_id_comparison_is_exact_but_case_insensitive():
    assert authresults.check(
        headers(OPENDMARC.upper().replace("PASS", "pass")), "alice@corp.com", PINNED
    )[0]
    for other in ("mail.example.org.evil.io", "example.org", "xmail.example.org"):
        value = OPENDMARC.replace(PINNED, other)
        assert not authresults.check(headers(value), "alice@corp.com", PINNED)[0]


@pytest.mark.parametrize(
    "value,sender,expected",
    [
        # subdomain of the From domain: aligned
        (PINNED + "; dkim=pass header.d=mail.corp.com", "alice@corp.com", True),
        (PINNED + "; spf=pass smtp.mailfrom=bounces+123@em.corp.com", "alice@corp.com", True),
        # parent domain: deliberately not aligned (we cannot tell a public suffix)
        (PINNED + "; dkim=pass header.d=corp.com", "alice@eu.corp.com", False),
        # look-alikes
        (PINNED + "; dkim=pass header.d=corp.com.evil.io", "alice@corp.com", False),
        (PINNED + "; dkim=pass header.d=evilcorp.com", "alice@corp.com", False),
        (PINNED + "; dkim=pass header.d=c0rp.com", "alice@corp.com", False),
        (PINNED + "; dmarc=pass header.from=c\u043erp.com", "alice@corp.com", False),  # Cyrillic o
        (
            PINNED + "; dmarc=pass header.from=mail.corp.com",
            "alice@corp.com",
            False,
        ),  # dmarc needs equality
        # DMARC for another domain says nothing about this one
        (PINNED + "; dmarc=pass header.from=evil.io", "alice@corp.com", False),
        # results other than pass
        (PINNED + "; dkim=fail header.d=corp.com", "alice@corp.com", False),
        (
            PINNED + "; dkim=neutral header.d=corp.com; spf=softfail smtp.mailfrom=corp.com",
            "alice@corp.com", False),
        (PINNED + "; dkim=temperror header.d=corp.com", "alice@corp.com", False),
        (PINNED + "; none", "alice@corp.com", False),
        # dkim=pass from the header.i domain when header.d is missing
        (PINNED + "; dkim=pass header.i=@corp.com", "alice@corp.com", True),
        # DMARC none policy still leaves an aligned DKIM pass
        (
            PINNED + "; dmarc=none header.from=corp.com; dkim=pass header.d=corp.com",
            "alice@corp.com", True),
        # upper case everywhere
        (PINNED.upper() + "; DKIM=PASS HEADER.D=CORP.COM", "ALICE@CORP.COM", True),
        # IDN: the Unicode and the punycode form are the same domain
        (
            PINNED + "; dmarc=pass header.from=xn--bcher-kva.example", "anna@b\u00fccher.example",
            True),
        (
            PINNED + "; dmarc=pass header.from=b\u00fccher.example", "anna@xn--bcher-kva.example",
            True),
    ],
)
def test_alignment(value, sender, expected):
    ok, reason = authresults.check(headers(value), sender, PINNED)
    assert ok is expected, reason


def test_not_configured_is_ok_and_bad_from_is_not():
    assert authresults.check(headers(), "alice@corp.com", None) == (True, "sender authentication "
                                                                          "not configured")
    assert authresults.check(headers(), "alice@corp.com", "  ")[0]
    assert not authresults.check(headers(OPENDMARC), "not an address", PINNED)[0]
    assert not authresults.check(headers(OPENDMARC), "", PINNED)[0]


def test_no_header_at_all():
    ok, reason = authresults.check([], "alice@corp.com", PINNED)
    assert not ok and "no Authentication-Results from mail.example.org" in reason


def test_reads_headers_from_a_parsed_message_a_dict_and_plain_values():
    raw = ("Authentication-Results: evil.io; dmarc=pass header.from=corp.com\r\n"
           "Authentication-Results: " + OPENDKIM + "\r\n"
           "From: alice@corp.com\r\nSubject: Complete: x\r\n\r\nbody\r\n").encode()
    for policy in (email.policy.compat32, email.policy.default):
        msg = email.message_from_bytes(raw, policy=policy)
        assert authresults.check(msg, "alice@corp.com", PINNED)[0]
    assert authresults.check({"Authentication-Results": [OPENDMARC]}, "alice@corp.com", PINNED)[0]
    assert authresults.check([OPENDMARC], "alice@corp.com", PINNED)[0]


def test_too_many_headers_are_bounded():
    junk = ["other.example; dkim=fail"] * 200
    ok, reason = authresults.check(headers(*junk, OPENDMARC), "alice@corp.com", PINNED)
    # the trusted header sits past the bound: a flood cannot make the parser work without end
    assert not ok


def test_reason_is_one_clean_line_even_with_hostile_values():
    value = PINNED + '; dkim=pass header.d="corp.com\r\nInjected: yes\u202e"'
    ok, reason = authresults.check(headers(value), "alice@corp.com", PINNED)
    assert not ok
    assert "\n" not in reason and "\u202e" not in reason


def test_quoted_local_part_cannot_inject_a_result():
    # The envelope sender is the attacker's to choose, and a trusted server
    # copies it into its own header: a ';' inside the quotes must not start
    # a new result.
    evil = '"x;dkim=pass header.d=corp.com;dmarc=pass header.from=corp.com;"@evil.io'
    value = (PINNED + "; spf=pass (" + PINNED + ": domain of " + evil
             + " designates 192.0.2.1 as permitted sender) smtp.mailfrom=" + evil)
    h = authresults.parse_header(value)
    assert [r.method for r in h.results] == ["spf"]
    ok, reason = authresults.check(headers(value), "alice@corp.com", PINNED)
    assert not ok, reason


def test_full_reply_parse_then_check_uses_raw_values():
    from remote_completion import reply
    evil = '"x;dkim=pass header.d=corp.com;"@evil.io'
    raw = ("Authentication-Results: " + PINNED + "; spf=pass smtp.mailfrom=" + evil + "\r\n"
           "From: alice@corp.com\r\nTo: xlr@corp.com\r\nSubject: x\r\n\r\nbody\r\n").encode()
    parsed = reply.parse_reply(raw)
    assert not authresults.check(parsed.authentication_results, parsed.sender, PINNED)[0]
    good = raw.replace(evil.encode(), b"bounce@corp.com")
    parsed = reply.parse_reply(good)
    assert authresults.check(parsed.authentication_results, parsed.sender, PINNED)[0]


def test_accepts_already_parsed_headers():
    parsed = [("mail.example.org", [("dkim", "pass", {"header.d": "corp.com"})]),
              ("evil.io", [("dmarc", "pass", {"header.from": "corp.com"})])]
    assert authresults.check(parsed, "alice@corp.com", PINNED)[0]
    assert not authresults.check(parsed[1:], "alice@corp.com", PINNED)[0]


# --- issue 11: the receiving server's own run, and no pass beside a non-pass ------

def _same_method(real, forged):
    return any(part.strip().split("=")[0] == real.split("=")[0] for part in forged.split(";"))


REAL_RESULTS = [
    "dkim=fail header.d=corp.com", "dkim=none", "dkim=neutral header.d=corp.com",
    "dkim=temperror header.d=mail.corp.com", "dkim=policy header.i=@corp.com",
    "spf=fail smtp.mailfrom=corp.com", "spf=softfail smtp.mailfrom=alice@corp.com", "spf=none",
    "spf=pass smtp.mailfrom=attacker.io", "spf=pass smtp.mailfrom=evil.corp.com.io",
    "dmarc=fail header.from=corp.com", "dmarc=none header.from=corp.com",
    "dmarc=temperror header.from=corp.com"]
FORGED_RESULTS = ["dkim=pass header.d=corp.com", "dkim=pass header.i=@mail.corp.com",
                  "spf=pass smtp.mailfrom=corp.com", "dmarc=pass header.from=corp.com",
                  "dkim=pass header.d=corp.com; spf=pass smtp.mailfrom=corp.com"]


@pytest.mark.parametrize("real,forged", [(r, f) for r in REAL_RESULTS for f in FORGED_RESULTS
                                          if _same_method(r, f)])
def test_a_forged_pass_beside_the_real_result_is_refused(real, forged):
    """Generated pairs: a server that does not strip incoming headers with its
    own id; the forged header sits right next to the real one (in either
    order, or both results in one header).  Whenever the real result speaks
    about the method the forgery claims, the mail is refused."""
    layouts = [headers(PINNED + "; " + real, PINNED + "; " + forged),
               headers(PINNED + "; " + forged, PINNED + "; " + real),
               headers(PINNED + "; " + forged + "; " + real)]
    for layout in layouts:
        ok, reason = authresults.check(layout, "alice@corp.com", PINNED)
        assert not ok, (layout, reason)


def test_only_the_topmost_run_of_the_pinned_id_counts():
    real = ("Authentication-Results", PINNED + "; spf=pass smtp.mailfrom=attacker.io")
    received = ("Received", "from mx.attacker.io by " + PINNED)
    forged = ("Authentication-Results", PINNED + "; dkim=pass header.d=corp.com; "
              "dmarc=pass header.from=corp.com")
    ok, reason = authresults.check([real, received, forged], "alice@corp.com", PINNED)
    assert not ok and "no aligned pass" in reason, reason
    # headers with other ids above the run are later hops: ignored, not a break
    above = ("Authentication-Results", "internal.corp.com; dkim=fail")
    genuine = ("Authentication-Results", OPENDMARC)
    assert authresults.check([above, genuine, received, forged], "alice@corp.com", PINNED)[0]
    run, ignored = authresults.trusted_run([above, genuine, received, forged], PINNED)
    assert len(run) == 1 and ignored == 2


def test_a_parsed_reply_keeps_the_header_order():
    from remote_completion import reply
    raw = ("Authentication-Results: " + PINNED + "; spf=pass smtp.mailfrom=attacker.io\r\n"
           "Received: from mx.attacker.io\r\n"
           "Authentication-Results: " + PINNED + "; dmarc=pass header.from=corp.com\r\n"
           "From: alice@corp.com\r\nTo: xlr@corp.com\r\nSubject: x\r\n\r\nbody\r\n").encode()
    parsed = reply.parse_reply(raw)
    assert not authresults.check(parsed.authentication_results, parsed.sender, PINNED)[0]
    assert authresults.check(parsed.authentication_results, parsed.sender, PINNED)[1].endswith(
        "no aligned pass for corp.com from mail.example.org")
    # The limit (docs/security.md): a forged header right below the server's
    # own, on a server that does not strip them, claiming a method the
    # server did not evaluate, is inside the run and nothing contradicts it.
    moved = raw.replace(b"Received: from mx.attacker.io\r\n", b"")
    assert authresults.check(reply.parse_reply(moved).authentication_results, "alice@corp.com",
                             PINNED)[0]


@pytest.mark.parametrize("junk", ["(" * 25 + "x" + ")" * 25, "(unclosed comment", '"unclosed quote',
                                  "x" * (20 * 1024)])
def test_a_trusted_header_that_cannot_be_read_whole_refuses(junk):
    """What follows a cut may be the fail: such a header is never judged
    from its readable part, when it is the receiving server's own."""
    value = PINNED + "; dkim=pass header.d=corp.com; spf=pass smtp.mailfrom=" + junk + \
        "; dmarc=fail header.from=corp.com"
    ok, reason = authresults.check(headers(value), "alice@corp.com", PINNED)
    assert not ok and "could not be read whole" in reason, reason
    # the same junk in a header below the run (the sender's) changes nothing
    assert authresults.check([("Authentication-Results", OPENDMARC), ("Received", "x"),
                              ("Authentication-Results", value)], "alice@corp.com", PINNED)[0]
