"""tests/jython/checks/check_security.py on real Jython 2.7.3, with a Dovecot
mailbox for the claim checks (authresults and the claims' pure parts run in
the same JVM)."""
from __future__ import annotations

import pytest

from tests.support import lanes

MODULE = "check_security"


@pytest.mark.jython
@pytest.mark.dovecot
def test_security_checks_on_jython(mailbox):
    server, user, password = mailbox
    c = server.client(user)
    try:
        for i in range(10):
            assert c.append("INBOX", None, None, b"Subject: m%d\r\nFrom: a@corp.com\r\n\r\nbody\r\n" % i)[0] == "OK"
    finally:
        c.logout()
    run = lanes.run_jython_checks([MODULE], context={"host": server.host, "port": server.port,
                                                      "user": user, "password": password})
    names = lanes.discover_jython_checks()[MODULE]["checks"]
    assert len(names) >= 6
    failures = {name: run.failure(MODULE, name) for name in names}
    assert {k: v for k, v in failures.items() if v} == {}


# --- issue 11: the parser's security on Jython ---------------------------------------

PARSER_MODULE = "check_parser_security"
FUZZ_EXAMPLES = 150   # per property (CPython runs 300 in test_fuzz_reply.py)


def _fuzz_inputs(monkeypatch):
    """The inputs the hypothesis properties of test_fuzz_reply.py generate
    (derandomized: the same every run), recorded as they reach the parser."""
    import hypothesis

    from remote_completion import reply
    from tests.security import test_fuzz_reply as fuzz
    seen = {}
    original = reply.parse_reply

    def recording(raw, *args, **kwargs):
        seen.setdefault(bytes(raw), None)
        return original(raw, *args, **kwargs)

    monkeypatch.setattr(fuzz, "FUZZ", hypothesis.settings(fuzz.FUZZ, max_examples=FUZZ_EXAMPLES))
    monkeypatch.setattr(reply, "parse_reply", recording)
    for prop in (fuzz.test_arbitrary_bytes_never_raise_and_are_deterministic,
                 fuzz.test_arbitrary_bodies_under_plausible_headers,
                 fuzz.test_bytes_around_a_genuine_reply,
                 fuzz.test_mutated_genuine_replies_never_act_on_what_was_not_signed):
        prop()
    monkeypatch.setattr(reply, "parse_reply", original)
    return list(seen)


def _fingerprint(parsed):
    return {"error": parsed.error, "action": parsed.action, "task_id": parsed.task_id,
            "signature": parsed.signature, "sender": parsed.sender, "to": parsed.to_addresses,
            "cc": parsed.cc_addresses, "auto_reply": parsed.auto_reply,
            "self_sent": parsed.self_sent, "comment": parsed.comment}


def _differences(cpython, jython):
    out = []
    for name, want in sorted(cpython.items()):
        got = dict(jython.get(name) or {})
        got.pop("seconds", None)
        got.pop("bytes", None)
        if got != want:
            diff = {k: (want.get(k), got.get(k)) for k in set(want) | set(got) if want.get(k) != got.get(k)}
            out.append((name, diff))
    return out


@pytest.mark.jython
@pytest.mark.slow
def test_parser_security_on_jython(tmp_path, monkeypatch):
    """The adversarial corpus, the fuzz inputs and the hostile charsets parse
    on Jython 2.7.3 exactly as on CPython (never raising, never decompressing),
    and every parser entry point is linear there too."""
    import json

    from remote_completion import reply
    from tests.security import corpus as corpus_mod
    from tests.security import figures
    corpus = corpus_mod.build()
    dirs = {name: tmp_path / name for name in ("out", "corpus", "charset", "fuzz")}
    for folder in dirs.values():
        folder.mkdir()
    max_size = corpus_mod.MAX_MESSAGE_SIZE
    cpython = {"corpus": {}, "charset-corpus": {}, "fuzz": {}}
    for e in corpus.entries:
        name = "%04d.eml" % e.number
        (dirs["corpus"] / name).write_bytes(e.raw)
        cpython["corpus"][name] = _fingerprint(reply.parse_reply(e.raw, max_bytes=max_size))
        if e.category == "charset":
            (dirs["charset"] / name).write_bytes(e.raw)
            cpython["charset-corpus"][name] = _fingerprint(reply.parse_reply(e.raw))
    fuzz_inputs = _fuzz_inputs(monkeypatch)
    for i, raw in enumerate(fuzz_inputs):
        name = "%05d.bin" % i
        (dirs["fuzz"] / name).write_bytes(raw)
        cpython["fuzz"][name] = _fingerprint(reply.parse_reply(raw, max_bytes=max_size))
    context = {"out_dir": str(dirs["out"]), "corpus_dir": str(dirs["corpus"]),
               "charset_dir": str(dirs["charset"]), "fuzz_dir": str(dirs["fuzz"]),
               "max_message_size": max_size}
    run = lanes.run_jython_checks([PARSER_MODULE], context=context, timeout=1200)
    names = lanes.discover_jython_checks()[PARSER_MODULE]["checks"]
    failures = {name: run.failure(PARSER_MODULE, name) for name in names}

    def result(name):
        return json.loads((dirs["out"] / (name + ".json")).read_text())

    complexity = result("complexity") if (dirs["out"] / "complexity.json").exists() else {}
    corpus_out = result("corpus") if (dirs["out"] / "corpus.json").exists() else {}
    fuzz_out = result("fuzz") if (dirs["out"] / "fuzz.json").exists() else {}
    figures.record("jython-parser", {
        "corpus_messages": len(corpus.entries), "fuzz_inputs": len(fuzz_inputs),
        "largest_mail_bytes": max(len(e.raw) for e in corpus.entries),
        "corpus_worst_seconds": corpus_out.get("worst_seconds"),
        "corpus_worst_message": corpus_out.get("worst_message"),
        "corpus_seconds": corpus_out.get("seconds"), "fuzz_seconds": fuzz_out.get("seconds"),
        "fuzz_worst_seconds": fuzz_out.get("worst_seconds"),
        "max_complexity_ratio": max([v["ratio"] for v in complexity.values()] or [None]),
        "complexity": complexity, "check_seconds": {
            r["name"]: r["seconds"] for r in (run.summary or {}).get("results", [])}})
    failed = {k: v for k, v in failures.items() if v}
    assert not failed, "\n\n".join("%s:\n%s" % item for item in sorted(failed.items()))
    assert len(complexity) == len(parser_shapes_all())
    charsets = result("charsets")
    assert sorted(charsets) == sorted(reply.CHARSETS)
    samples = [bytes(range(256)), b"caf\xc3\xa9 \xe2\x80\x94 ok", b"\x82\xa0\x93\xfa\x96\x7b",
               b"\xa4\xa4\xa4\xe5\x1b$B$\"\x1b(B", b"\xff\xfeh\x00i\x00", b"\x00h\x00i"]
    for name in sorted(reply.CHARSETS):
        assert charsets[name] == [reply.decode_text(s, name) for s in samples], name
    for key in ("charset-corpus", "corpus", "fuzz"):
        got = result(key)
        got = got.get("messages", got)
        assert sorted(got) == sorted(cpython[key]), key
        assert _differences(cpython[key], got) == [], key


def parser_shapes_all():
    import sys
    sys.path.insert(0, str(lanes.JYTHON_CHECKS_DIR))
    import parser_shapes
    return parser_shapes.all_shapes()
