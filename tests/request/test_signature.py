"""The one signing module: round trip and every kind of tampering rejected."""
import hmac
import hashlib

import pytest

from remote_completion import signature

SECRET = "s3cret-for-tests"
TASK = "Applications/Release0123/Phase4567/Task89ab"
WHO = "Alice.Smith@Example.com"


def test_round_trip_and_shape():
    sig = signature.sign(SECRET, "COMPLETE", TASK, WHO, 0)
    assert sig.startswith("v1.")
    assert len(sig) == 3 + 64 and sig[3:] == sig[3:].lower()
    int(sig[3:], 16)
    assert signature.verify(SECRET, sig, "COMPLETE", TASK, WHO, 0)


def test_canonical_text_matches_the_contract():
    text = "xlr-remote-completion/v1\nFAIL\n" + TASK + "\nalice.smith@example.com\n2"
    expected = "v1." + hmac.new(SECRET.encode(), text.encode(), hashlib.sha256).hexdigest()
    assert signature.sign(SECRET, "FAIL", TASK, WHO, 2) == expected


def test_recipient_case_does_not_matter():
    sig = signature.sign(SECRET, "COMPLETE", TASK, WHO, 1)
    assert signature.verify(SECRET, sig, "COMPLETE", TASK, WHO.lower(), 1)
    assert signature.verify(SECRET, sig, "COMPLETE", TASK, WHO.upper(), 1)


def test_presented_signature_tolerates_case_and_white_space():
    sig = signature.sign(SECRET, "COMPLETE", TASK, WHO, 0)
    wrapped = " " + sig[:30].upper() + "\r\n " + sig[30:] + "\t"
    assert signature.verify(SECRET, wrapped, "COMPLETE", TASK, WHO, 0)


@pytest.mark.parametrize("change", [
    dict(action="FAIL"),
    dict(task_id=TASK + "0"),
    dict(task_id="Applications/Release0123/Phase4567/Task89ac"),
    dict(recipient="bob@example.com"),
    dict(recipient="alice.smith@example.org"),
    dict(attempt=1),
    dict(secret="another-secret"),
])
def test_any_changed_field_is_rejected(change):
    sig = signature.sign(SECRET, "COMPLETE", TASK, WHO, 0)
    values = dict(secret=SECRET, action="COMPLETE", task_id=TASK, recipient=WHO, attempt=0)
    values.update(change)
    assert not signature.verify(values["secret"], sig, values["action"], values["task_id"],
                                values["recipient"], values["attempt"])


def _tampered(sig):
    flipped = sig[:-1] + ("0" if sig[-1] != "0" else "1")
    return [
        flipped,
        sig[:-1],                     # truncated
        sig + "0",                    # extra character
        sig + "x",
        "v2." + sig[3:],              # wrong version
        sig[3:],                      # no version
        "v1:" + sig[3:],
        "",
        "   ",
        None,
        "v1.",
        "v1." + "g" * 64,
    ]


def test_tampered_signatures_are_rejected():
    sig = signature.sign(SECRET, "COMPLETE", TASK, WHO, 0)
    for bad in _tampered(sig):
        assert not signature.verify(SECRET, bad, "COMPLETE", TASK, WHO, 0), bad


def test_unknown_actions_and_empty_inputs():
    sig = signature.sign(SECRET, "COMPLETE", TASK, WHO, 0)
    assert not signature.verify(SECRET, sig, "complete", TASK, WHO, 0)
    assert not signature.verify(SECRET, sig, "DELETE", TASK, WHO, 0)
    assert not signature.verify("", sig, "COMPLETE", TASK, WHO, 0)
    assert not signature.verify(None, sig, "COMPLETE", TASK, WHO, 0)
    assert not signature.verify(SECRET, sig, "COMPLETE", "", WHO, 0)
    assert not signature.verify(SECRET, sig, "COMPLETE", TASK, "", 0)
    with pytest.raises(ValueError):
        signature.sign(SECRET, "SKIP", TASK, WHO, 0)
    with pytest.raises(ValueError):
        signature.sign("", "COMPLETE", TASK, WHO, 0)


def test_fields_cannot_shift_into_each_other():
    # "A\nB" as a task id must not sign the same text as another split.
    with pytest.raises(ValueError):
        signature.sign(SECRET, "COMPLETE", TASK + "\nx", WHO, 0)
    assert not signature.verify(SECRET, signature.sign(SECRET, "COMPLETE", TASK, WHO, 0),
                                "COMPLETE", TASK + "\nx", WHO, 0)


def test_attempt_as_text_is_the_same_attempt():
    sig = signature.sign(SECRET, "FAIL", TASK, WHO, 3)
    assert signature.verify(SECRET, sig, "FAIL", TASK, WHO, "3")
    assert not signature.verify(SECRET, sig, "FAIL", TASK, WHO, "three")
