"""Java-serialized values (the shapes XL Release hands to scripts), loaded
with javaobj-py3: remote_completion.compat accepts them."""
from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path

import javaobj
import pytest

from remote_completion import compat

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "java"
FILES = ["domain-whitelist-hashset.ser", "recipients-arraylist.ser", "start-date.ser",
         "properties-hashmap.ser", "use-tls-boolean.ser", "port-integer.ser"]


def load(directory: Path, name: str):
    with open(directory / name, "rb") as handle:
        return javaobj.load(handle)


def test_hash_set_of_domains():
    value = load(FIXTURES, "domain-whitelist-hashset.ser")
    assert value.classdesc.name == "java.util.HashSet"
    domains = compat.as_string_list(value)
    assert sorted(domains) == ["Example.ORG", "example.com", "sub.example.net"]
    assert all(isinstance(d, str) for d in domains)


def test_array_list_keeps_order():
    value = load(FIXTURES, "recipients-arraylist.ser")
    assert value.classdesc.name == "java.util.ArrayList"
    assert compat.as_string_list(value) == ["b@example.com", "a@example.com", "c@example.com"]
    assert compat.as_list(value) == ["b@example.com", "a@example.com", "c@example.com"]


def test_date():
    value = load(FIXTURES, "start-date.ser")
    assert value.classdesc.name == "java.util.Date"
    assert compat.as_datetime(value) == datetime.datetime(2023, 11, 14, 22, 13, 20, 123000)


def test_hash_map():
    value = load(FIXTURES, "properties-hashmap.ser")
    assert compat.as_dict(value) == {
        "host": "imap.example.com", "port": "993", "tlsMode": "IMPLICIT"}


def test_boxed_boolean_and_integer():
    flag = load(FIXTURES, "use-tls-boolean.ser")
    port = load(FIXTURES, "port-integer.ser")
    assert flag.classdesc.name == "java.lang.Boolean" and port.classdesc.name == "java.lang.Integer"
    assert compat.as_bool(flag) is True
    assert compat.as_int(port) == 993 and type(compat.as_int(port)) is int


def test_existing_behaviour_kept():
    assert compat.as_int(" 7 ") == 7 and compat.as_int("") is None and compat.as_int(None, 3) == 3
    assert compat.as_bool("off") is False and compat.as_bool(None, True) is True
    assert compat.as_datetime(0) == datetime.datetime(1970, 1, 1)
    with pytest.raises(ValueError):
        compat.as_bool("maybe")


def normalised(directory: Path) -> dict:
    return {
        "domains": sorted(compat.as_string_list(load(directory, FILES[0]))),
        "recipients": compat.as_string_list(load(directory, FILES[1])),
        "date": compat.as_datetime(load(directory, FILES[2])),
        "map": compat.as_dict(load(directory, FILES[3])),
        "bool": compat.as_bool(load(directory, FILES[4])),
        "int": compat.as_int(load(directory, FILES[5])),
    }


def test_regenerating_gives_the_committed_objects(tmp_path):
    classes, out = tmp_path / "classes", tmp_path / "out"
    subprocess.run(
        [
            shutil.which("javac") or "javac", "-d", str(classes),
            str(FIXTURES / "GenerateFixtures.java")],
        check=True,
        capture_output=True,
        timeout=300,
    )
    subprocess.run(["java", "-cp", str(classes), "GenerateFixtures", str(out)],
                   check=True, capture_output=True, timeout=300)
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    assert normalised(out) == normalised(FIXTURES)
