"""mailto: RFC 6068 links built and parsed back."""
from __future__ import annotations

import pytest

from remote_completion import mailto


def test_a_built_link_parses_back_to_the_same_fields():
    body = "Line one\nLine two & more = 100% + café"
    uri = mailto.build("replies+xlr@example.com", "Complete: Deploy?", body)
    to, subject, parsed_body, others = mailto.parse(uri)
    assert to == "replies+xlr@example.com"
    assert subject == "Complete: Deploy?"
    assert parsed_body == body.replace("\n", "\r\n")
    assert others == {}


def test_only_unreserved_characters_stay_literal():
    assert mailto.quote("a b+c&d=e\r\n") == "a%20b%2Bc%26d%3De%0D%0A"
    assert mailto.unquote("a+b%20c") == "a+b c"   # a plus stays a plus


def test_line_breaks_become_crlf():
    assert mailto.crlf("a\nb\rc\r\nd") == "a\r\nb\r\nc\r\nd"


def test_extra_headers_and_a_second_to_are_kept():
    to, _subject, _body, others = mailto.parse("MAILTO:a@x.org?to=b%40x.org&cc=c@x.org")
    assert to == "a@x.org,b@x.org"
    assert others == {"cc": "c@x.org"}


def test_anything_else_is_refused():
    with pytest.raises(ValueError):
        mailto.parse("https://example.com/")
