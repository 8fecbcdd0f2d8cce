import pytest
from django.core.exceptions import ValidationError

from backend.core.validators import validate_ico


@pytest.mark.parametrize("ico", ["00064581", "44992785", "00283924"])
def test_real_icos_pass(ico):
    validate_ico(ico)


@pytest.mark.parametrize(
    ("ico", "code"),
    [
        ("00064582", "ico_checksum"),
        ("44992786", "ico_checksum"),
        ("0006458", "ico_format"),
        ("000645811", "ico_format"),
        ("0006458a", "ico_format"),
        ("", "ico_format"),
        ("٠٠٠٦٤٥٨١", "ico_format"),
    ],
)
def test_wrong_icos_fail_with_a_clear_code(ico, code):
    with pytest.raises(ValidationError) as raised:
        validate_ico(ico)
    assert raised.value.code == code
