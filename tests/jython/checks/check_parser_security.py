# -*- coding: utf-8 -*-
"""The reply parser's security on real Jython 2.7.3 (issue 11), run by
tests/security/test_jython_security.py, which writes the inputs (the
adversarial corpus, the hypothesis fuzz inputs) into ``context`` folders and
compares what is written back with CPython:

- complexity: every parser entry point, the same shapes as on CPython, at n
  and 8n (parser_shapes.py);
- charsets: the allow-list decodes the same bytes to the same text here;
- no decompressor ever runs while parsing the hostile-charset mails;
- the corpus and the fuzz inputs parse here as on CPython (never raising),
  with the time each message took.
"""
from __future__ import absolute_import, unicode_literals

import io
import os
import time

import parser_shapes
import plain_views
from remote_completion import reply
from jython_support import write_json as _write

REQUIRES = ('parser-security',)   # inputs come from its pytest module


def _files(folder):
    for name in sorted(os.listdir(folder)):
        with io.open(os.path.join(folder, name), 'rb') as handle:
            yield name, handle.read()


def fingerprint(parsed):
    return {'error': parsed.error, 'action': parsed.action, 'task_id': parsed.task_id,
            'signature': parsed.signature, 'sender': parsed.sender,
            'to': parsed.to_addresses, 'cc': parsed.cc_addresses, 'auto_reply': parsed.auto_reply,
            'self_sent': parsed.self_sent, 'comment': parsed.comment}


def check_complexity(context):
    results = {}
    over = []
    for entry, shape in parser_shapes.all_shapes():
        result = parser_shapes.complexity(entry, shape)
        results['%s/%s' % (entry, shape)] = result
        if result['ratio'] > parser_shapes.RATIO_LIMIT:
            over.append(('%s/%s' % (entry, shape), result))
    _write(context, 'complexity', results)
    assert not over, over


def check_charsets_decode_as_on_cpython(context):
    samples = [bytearray(range(256)), bytearray(b'caf\xc3\xa9 \xe2\x80\x94 ok'),
               bytearray(b'\x82\xa0\x93\xfa\x96\x7b'), bytearray(b'\xa4\xa4\xa4\xe5\x1b$B$"\x1b(B'),
               bytearray(b'\xff\xfeh\x00i\x00'), bytearray(b'\x00h\x00i')]
    out = {}
    for name in sorted(reply.CHARSETS):
        out[name] = [reply.decode_text(bytes(sample), name) for sample in samples]
    _write(context, 'charsets', out)
    assert out


class _Call(object):
    """A recording stand-in (an instance, not a function: Jython's bz2 is a
    Java module, where a function attribute would bind as a method)."""

    def __init__(self, calls, label, original):
        self.calls, self.label, self.original = calls, label, original

    def __call__(self, *args, **kwargs):
        self.calls.append(self.label)
        return self.original(*args, **kwargs)


class _Recorder(object):
    def __init__(self):
        self.calls = []

    def wrap(self, module, name):
        original = getattr(module, name)
        setattr(module, name, _Call(self.calls, '%s.%s' % (module.__name__, name), original))
        return original


def check_no_decompressor_runs_while_parsing(context):
    """bz2/zlib decompression is what makes a 1 KB mail exhaust the JVM; the
    parser must never reach it, whatever charset a mail names."""
    import bz2
    import codecs
    import zlib
    recorder = _Recorder()
    originals = [(bz2, 'decompress', recorder.wrap(bz2, 'decompress')),
                 (zlib, 'decompress', recorder.wrap(zlib, 'decompress'))]
    try:
        # The instrument works: decoding with the codec does reach it.
        codecs.decode(bz2.compress(b'x' * 100), 'bz2_codec')
        codecs.decode(zlib.compress(b'x' * 100), 'zlib_codec')
        assert recorder.calls == ['bz2.decompress', 'zlib.decompress'], recorder.calls
        del recorder.calls[:]
        parsed = {}
        for name, raw in _files(context['charset_dir']):
            parsed[name] = fingerprint(reply.parse_reply(raw))
        _write(context, 'charset-corpus', parsed)
        assert parsed
        assert recorder.calls == [], recorder.calls
    finally:
        for module, name, original in originals:
            setattr(module, name, original)


def _parse_all(context, folder, out_name):
    results = {}
    worst = (0.0, None)
    started_all = time.time()
    for name, raw in _files(folder):
        started = time.time()
        parsed = reply.parse_reply(raw, max_bytes=context['max_message_size'])
        took = time.time() - started
        results[name] = fingerprint(parsed)
        results[name]['seconds'] = round(took, 4)
        results[name]['bytes'] = len(raw)
        if took > worst[0]:
            worst = (took, name)
    _write(context, out_name, {'messages': results, 'worst_seconds': round(worst[0], 4),
                               'worst_message': worst[1],
                               'seconds': round(time.time() - started_all, 2)})
    return results


def check_corpus_parses_as_on_cpython(context):
    assert _parse_all(context, context['corpus_dir'], 'corpus')


def check_fuzz_inputs_never_raise(context):
    assert _parse_all(context, context['fuzz_dir'], 'fuzz')


def check_the_plain_split_reads_as_the_feed_parser(context):
    """reply._plain_mail (single-part text/plain mail split without the email
    package) on Jython's own email package: the same fields and body as the
    feed parser's split, and the same ParsedReply as without the shortcut,
    for every corpus and fuzz input."""
    real = reply._plain_mail
    taken = 0
    for folder in ('corpus_dir', 'fuzz_dir'):
        for name, raw in _files(context[folder]):
            ready = plain_views.prepared(raw)
            plain = real(ready) if ready is not None else None
            if plain is not None:
                taken += 1
                assert plain_views.message_view(plain) == plain_views.message_view(
                    reply._message_from_bytes(ready)), name
            shortcut = plain_views.reply_view(reply.parse_reply(raw))
            reply._plain_mail = lambda raw: None
            try:
                assert plain_views.reply_view(reply.parse_reply(raw)) == shortcut, name
            finally:
                reply._plain_mail = real
    assert taken
