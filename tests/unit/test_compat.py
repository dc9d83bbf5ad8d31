"""compat: text/bytes and Java-shaped values become plain Python values."""
from __future__ import annotations

import datetime

import pytest

from remote_completion import compat
from tests.request.fakes import JavaBean, JavaEnum, JavaList


class JavaDate:
    def __init__(self, millis):
        self.millis = millis

    def getTime(self):
        return self.millis


def test_text_and_bytes_round_trip():
    assert compat.to_text(b"caf\xc3\xa9") == "café"
    assert compat.to_text(None) is None
    assert compat.to_text(42) == "42"
    assert compat.to_bytes("café") == b"caf\xc3\xa9"
    assert compat.to_bytes(bytearray(b"ab")) == b"ab"


def test_constant_time_equals_compares_text_and_bytes():
    assert compat.constant_time_equals("abc", b"abc")
    assert not compat.constant_time_equals("abc", "abd")
    assert not compat.constant_time_equals("abc", "abcd")


def test_hmac_matches_the_standard_library():
    import hashlib
    import hmac

    expected = hmac.new(b"key", b"message", hashlib.sha256).hexdigest()
    assert compat.hmac_sha256_hex("key", "message") == expected


@pytest.mark.parametrize("key", [b"key", b"k" * 63, b"k" * 64, b"k" * 65, b"\xff" * 200,
                                 "s\u00e9cret".encode("utf-8"), b"\x00"])
def test_the_keyed_hmac_of_jython_matches_the_standard_library(key):
    # Jython's path (compat._KeyedSha256: the two keyed states kept per key),
    # run here too: it is plain hashlib.
    import hashlib
    import hmac

    keyed = compat._KeyedSha256()
    for message in (b"", b"message", b"x" * 1000, "\u00e9\n".encode("utf-8")):
        for _ in range(2):   # the second MAC under a key starts from the kept states
            assert keyed(key, message) == hmac.new(key, message, hashlib.sha256).hexdigest()


def test_collections_of_any_shape_become_lists():
    assert compat.as_list(None) == []
    assert compat.as_list("one") == ["one"]
    assert compat.as_list(JavaList(["a", "b"])) == ["a", "b"]
    assert compat.as_string_list(JavaList([" a ", None, "b, c\nd", ""])) == ["a", "b", "c", "d"]


@pytest.mark.parametrize("value, expected", [
    ("yes", True), ("OFF", False), ("", False), (None, False), (True, True),
])
def test_booleans_from_text(value, expected):
    assert compat.as_bool(value) is expected


def test_a_word_that_is_no_boolean_is_refused():
    with pytest.raises(ValueError):
        compat.as_bool("perhaps")


def test_integers_and_dates_and_enums():
    assert compat.as_int(" 12 ") == 12
    assert compat.as_int("  ", default=7) == 7
    assert compat.as_datetime(JavaDate(86_400_000)) == datetime.datetime(1970, 1, 2)
    aware = datetime.datetime(2026, 1, 1, 12, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    assert compat.as_datetime(aware) == datetime.datetime(2026, 1, 1, 10)
    assert compat.enum_name(JavaEnum("IN_PROGRESS")) == "IN_PROGRESS"
    assert compat.enum_name("COMPLETED") == "COMPLETED"


def test_prop_reads_attributes_getters_and_dicts():
    assert compat.prop({"title": "T"}, "title") == "T"
    assert compat.prop(JavaBean(title="Deploy"), "title") == "Deploy"
    assert compat.prop(None, "title", default="-") == "-"
