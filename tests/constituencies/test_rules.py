"""Feature codes in both boundary schemas, table-driven."""

import pytest

from constituencies.rules import BoundaryFileError, feature_code, is_valid_code

CASES = [
    ({"code_dpt": "33", "num_circ": "4"}, "33-04", "2012"),
    ({"code_dpt": "2A", "num_circ": "1"}, "2A-01", "2012"),
    ({"code_dpt": "ZA", "num_circ": 2}, "ZA-02", "2012"),
    ({"code_dpt": "1", "num_circ": "1"}, "01-01", "2012"),
    ({"codeCirconscription": "3304", "codeDepartement": "33"}, "33-04", "official"),
    ({"codeCirconscription": "2A01"}, "2A-01", "official"),
    ({"codeCirconscription": "97102", "codeDepartement": "971"}, "ZA-02", "official"),
    ({"codeCirconscription": "97801", "codeDepartement": "978"}, "ZX-01", "official"),
    ({"codeCirconscription": "98801", "codeDepartement": "988"}, "ZN-01", "official"),
    ({"codeCirconscription": "7518"}, "75-18", "official"),
]


@pytest.mark.parametrize(("properties", "code", "schema"), CASES)
def test_feature_code(properties, code, schema):
    result = feature_code(properties, 1)
    assert (result.code, result.schema) == (code, schema)


BAD = [
    (None, "no properties"),
    ({}, "missing properties"),
    ({"code_dpt": "33"}, "missing property num_circ"),
    ({"num_circ": "4", "code_dpt": ""}, "missing property code_dpt"),
    ({"code_dpt": "33", "num_circ": "four"}, "is not a number"),
    ({"codeCirconscription": "33"}, "is not a constituency code"),
    ({"codeCirconscription": "ABCD"}, "is not a constituency code"),
    ({"code_dpt": "999", "num_circ": "1"}, "is not a constituency code"),
]


@pytest.mark.parametrize(("properties", "message"), BAD)
def test_bad_properties_are_named(properties, message):
    with pytest.raises(BoundaryFileError, match=message):
        feature_code(properties, 7)


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("33-04", True),
        ("2A-01", True),
        ("ZZ-11", True),
        ("33-4", False),
        ("330-04", False),
        ("", False),
        ("2C-01", False),
    ],
)
def test_code_format(code, valid):
    assert is_valid_code(code) is valid
