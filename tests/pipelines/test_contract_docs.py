"""docs/data-contract.md's field tables are generated from contracts/ and must not drift."""

from pipelines.contract_docs import replace_generated
from pipelines.paths import PROJECT_ROOT


def test_data_contract_field_tables_match_the_schemas():
    document = (PROJECT_ROOT / "docs" / "data-contract.md").read_text()
    assert replace_generated(document) == document, "run `icbt contract-docs`"


def test_every_version_and_the_v2_questionnaire_are_documented():
    document = (PROJECT_ROOT / "docs" / "data-contract.md").read_text()
    for heading in ("### Contract v1", "### Contract v2", "`patient_experience`", "PEQ_T"):
        assert heading in document
