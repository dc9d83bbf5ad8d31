"""The person's own words, and the action of a plain Reply."""
from __future__ import annotations

import pytest

from remote_completion.plainreply import COMPLETE, FAIL, own_words, say_action


def lines(text):
    return text.split("\n")


@pytest.mark.parametrize("text,action,comment", [
    ("Approved, CR-1042 checked", COMPLETE, "CR-1042 checked"),
    ("approve", COMPLETE, ""),
    ("APPROVED!\nsecond line too\n\nnot this paragraph", COMPLETE, "second line too"),
    ("Done - deployed at 10:00", COMPLETE, "deployed at 10:00"),
    ("Complete. Thanks", COMPLETE, "Thanks"),
    ("ok", COMPLETE, ""),
    ("OK, go", COMPLETE, "go"),
    ("Yes.", COMPLETE, ""),
    ("**Approved** by me", COMPLETE, "** by me"),
    ("Rejected: tests are red", FAIL, "tests are red"),
    ("reject", FAIL, ""),
    ("Fail", FAIL, ""),
    ("No.", FAIL, ""),
    ("No, the change window is closed", FAIL, "the change window is closed"),
    ("\n\n  Approved  ", COMPLETE, ""),
])
def test_first_words_say_the_action(text, action, comment):
    assert say_action(lines(text)) == (action, comment)


@pytest.mark.parametrize("text", [
    "", "Not approved", "No problem, go ahead", "Yes we can talk tomorrow", "okay then maybe",
    "Approvedness", "Thanks!", "I approve", "Please wait", "Nope", "Okay-ish maybe later",
    "Donevan says hi",
])
def test_other_first_words_say_nothing(text):
    assert say_action(lines(text)) == (None, None)


def test_okay_with_a_dash_counts():
    # A dash after a space ends the word; "Okay-ish" is another word.
    assert say_action(["Okay - ship it"]) == (COMPLETE, "ship it")


def test_gateway_banners_and_tags_are_not_the_persons_words():
    text = ("CAUTION: This email originated from outside of the organization. Do not click\n"
            "links or open attachments unless you recognize the sender.\n"
            "\n"
            "You don't often get email from alice@example.com. Learn why this is important\n"
            "\n"
            "[EXTERNAL] Approved, checked the dashboards\n"
            "Alice")
    assert own_words(lines(text)) == ["Approved, checked the dashboards", "Alice"]


@pytest.mark.parametrize("sign_off", [
    "Sent from my iPhone", "Get Outlook for Android", "Sent from Mail for Windows",
    "Von meinem iPhone gesendet", "Envoyé de mon iPad", "-- ", "--",
    "CONFIDENTIALITY NOTICE: This e-mail is for the intended recipient only.",
    "This email and any attachments are confidential.",
])
def test_sign_offs_signatures_and_disclaimers_end_the_words(sign_off):
    text = "Rejected: rollback plan missing\n\n%s\nAlice Archer | ACME" % sign_off
    assert own_words(lines(text)) == ["Rejected: rollback plan missing"]


def test_words_in_any_language_are_kept_exactly():
    text = "Genehmigt – alles geprüft ✅\n日本語のコメント"
    assert own_words(lines(text)) == ["Genehmigt – alles geprüft ✅", "日本語のコメント"]


def test_a_paragraph_that_only_mentions_caution_is_kept():
    assert own_words(["Approved. Caution: the DB migration is slow."]) == [
        "Approved. Caution: the DB migration is slow."]
