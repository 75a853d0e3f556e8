"""One reader for pack config files: the same message from the preview, the audit and the platform stack."""
import pytest

from guardrails.pack_config import PackConfigError, load


def test_reads_an_object(tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{"all": "advisory", "required-tags": {"enforcementLevel": "mandatory"}}')
    assert load(path) == {"all": "advisory", "required-tags": {"enforcementLevel": "mandatory"}}


@pytest.mark.parametrize("content,message", [
    (None, "pack config {path} does not exist"),
    ("{", "pack config {path} is not valid JSON: Expecting property name enclosed in double quotes: "
          "line 1 column 2 (char 1)"),
    ("[1]", "pack config {path}: expected a JSON object keyed by rule id"),
])
def test_bad_files_name_the_file_and_the_problem(tmp_path, content, message):
    path = tmp_path / "config.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(PackConfigError) as error:
        load(path)
    assert str(error.value) == message.format(path=path)


def test_shown_as_names_the_setting_the_user_wrote(tmp_path):
    with pytest.raises(PackConfigError) as error:
        load(tmp_path / "nope.json", shown_as="packConfig: 'policies/nope.json'")
    assert str(error.value) == "packConfig: 'policies/nope.json' does not exist"
