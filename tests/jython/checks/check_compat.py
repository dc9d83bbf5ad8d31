# -*- coding: utf-8 -*-
"""remote_completion.compat on Jython with real Java values (the shapes XL
Release hands to scripts)."""
from __future__ import absolute_import, unicode_literals

import datetime

from java.lang import Boolean, Integer, Long, String
from java.util import ArrayList, Date, HashMap, HashSet, LinkedHashSet
from java.util.concurrent import TimeUnit

from remote_completion import compat


def check_runs_on_jython():
    assert compat.JYTHON and compat.PY2


def check_hash_set_of_domains():
    domains = HashSet()
    for name in ('example.com', ' Example.ORG ', 'a.example.net', ''):
        domains.add(name)
    assert sorted(compat.as_string_list(domains)) == ['Example.ORG', 'a.example.net', 'example.com']
    assert len(compat.as_list(domains)) == 4
    assert all(isinstance(x, compat.text_type) for x in compat.as_string_list(domains))


def check_set_with_null_and_comma_string():
    values = LinkedHashSet()
    values.add(None)
    values.add('one.example, two.example\nthree.example')
    assert compat.as_string_list(values) == ['one.example', 'two.example', 'three.example']


def check_array_list_keeps_order():
    items = ArrayList()
    for name in ('b@example.com', 'a@example.com', 'c@example.com'):
        items.add(name)
    assert compat.as_list(items) == ['b@example.com', 'a@example.com', 'c@example.com']
    assert compat.as_string_list(items) == ['b@example.com', 'a@example.com', 'c@example.com']
    assert compat.as_list(ArrayList()) == []


def check_java_date():
    millis = 1700000000123
    date = Date(millis)
    assert compat.as_datetime(date) == datetime.datetime(2023, 11, 14, 22, 13, 20, 123000)
    assert compat.as_datetime(Date(0)) == datetime.datetime(1970, 1, 1)
    assert compat.as_datetime(Long(millis)) == compat.as_datetime(date)


def check_hash_map():
    values = HashMap()
    values.put('host', 'imap.example.com')
    values.put('port', '993')
    assert compat.as_dict(values) == {'host': 'imap.example.com', 'port': '993'}
    assert compat.as_dict(HashMap()) == {}


def check_boxed_boolean_and_integer():
    assert compat.as_bool(Boolean(True)) is True
    assert compat.as_bool(Boolean(False), default=True) is False
    assert compat.as_bool(Boolean.TRUE) is True
    assert compat.as_int(Integer(993)) == 993
    assert compat.as_int(Integer.valueOf(143)) == 143
    assert compat.as_int(Long(5)) == 5
    assert compat.as_int(String('25')) == 25


def check_java_enum_and_string():
    assert compat.enum_name(TimeUnit.SECONDS) == 'SECONDS'
    text = compat.to_text(String('caf\u00e9'))
    assert text == 'caf\u00e9' and isinstance(text, compat.text_type)


def check_bean_properties():
    date = Date(42)
    assert compat.prop(date, 'time') == 42
    values = HashMap()
    values.put('k', 'v')
    assert compat.prop(values, 'empty') is False


def check_constant_time_equals_without_compare_digest():
    assert compat.constant_time_equals('v1.abc', 'v1.abc')
    assert not compat.constant_time_equals('v1.abc', 'v1.abd')
    assert not compat.constant_time_equals('v1.abc', 'v1.ab')
    assert compat.hmac_sha256_hex('key', 'message') == (
        '6e9ef29b75fffc5b7abae527d58fdadb2fe42e7219011976917343065f58ed4a')


def check_hmac_is_the_keyed_states_path_and_matches_the_hmac_module():
    import hashlib
    import hmac
    assert isinstance(compat._HMAC_SHA256_HEX, compat._KeyedSha256)
    for key in (b'key', b'k' * 64, b'k' * 65, b'\xff' * 200, 's\xe9cret'.encode('utf-8')):
        for message in (b'', b'message', b'x' * 1000, '\xe9\n'.encode('utf-8')):
            for _ in range(2):   # the second MAC under a key starts from the kept states
                got = compat.hmac_sha256_hex(key, message)
                want = hmac.new(key, message, hashlib.sha256).hexdigest()
                assert got == want and type(got) is type(want), (key, message)
    assert compat.hmac_sha256_hex('', 'm') == hmac.new(b'', b'm', hashlib.sha256).hexdigest()


def check_java_exceptions_are_host_errors():
    # On Jython "except Exception" does not catch a Java exception: an API's
    # NotFoundException would escape every guard written that way.
    from java.lang import IllegalArgumentException
    caught_by = []
    try:
        try:
            Integer.parseInt('not a number')
        except Exception:
            caught_by.append('Exception')
    except compat.HOST_ERRORS:
        caught_by.append('HOST_ERRORS')
    assert caught_by == ['HOST_ERRORS'], caught_by

    class Ci(object):
        def getProperty(self, name):  # a configuration without the property
            raise IllegalArgumentException('no property ' + name)
    assert compat.prop(Ci(), 'folderId', 'default') == 'default'
