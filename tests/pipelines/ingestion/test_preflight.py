"""`icbt validate PATH`: the pipeline's checks before sending, as a readable report."""

from __future__ import annotations

from click.testing import CliRunner

from pipelines.cli import main
from tests.pipelines.ingestion.conftest import EPISODES_HEADER, PROM_HEADER, episode, write


def _validate(path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", str(path), "--today", "2026-06-30"])
    return result.exit_code, result.output


def test_clean_batch_passes_with_exit_code_zero(landing):
    code, output = _validate(landing / "ICBT01" / "2026-01")
    assert code == 0
    assert (
        "ICBT01/2026-01/episodes.csv  (csv, contract v1, 2 rows)  OK: every row is valid" in output
    )
    assert output.rstrip().endswith("Result: OK, ready to send.")


def test_problems_are_grouped_by_file_with_row_field_and_reason(landing):
    write(
        landing,
        "ICBT01/2026-02/prom_responses.csv",
        PROM_HEADER
        + "".join(f"E1,PHQ9,2026-02-0{d},1,4\n" for d in range(1, 8))
        + "E404,PHQ9,2026-02-01,2,1\n",
    )
    write(landing, "ICBT01/2026-02/episodes.csv", EPISODES_HEADER + episode("5", sex="F"))
    code, output = _validate(landing / "ICBT01" / "2026-02")
    assert code == 1
    assert "ICBT01/2026-02/episodes.csv  (csv, contract v1, 1 row)" in output
    # 'F' could be anything (an initial): withheld by shape and hash; '4' is a score.
    assert "  sex: withheld (1 character: upper-case letters; key " in output
    assert ") is not one of: female, male, other, not_stated  [1 row: 1]" in output
    assert "'F'" not in output
    assert "  value: '4' is outside PHQ9 item range 0 to 3  [7 rows: 1, 2, 3, 4, 5, ...]" in output
    # Episodes of the earlier batch beside PATH count as known; E404 does not exist.
    assert "  episode_key: episode_key does not match any episode of this program  [1 row: 8]" in (
        output
    )
    assert "Summary: 2 file(s), 0 refused, 2 with invalid rows" in output
    assert "Result: ERRORS" in output


def test_a_single_file_and_a_refusal(landing):
    path = write(landing, "ICBT01/2026-02/episodes.csv", EPISODES_HEADER.replace(",sex", ""))
    code, output = _validate(path)
    assert code == 1
    assert "REFUSED: missing required column(s): sex" in output


def test_whole_landing_zone_and_files_that_are_not_deliveries(landing):
    write(landing, "ICBT01/2026-02/readme.txt", "hello")
    code, output = _validate(landing)
    assert code == 1
    assert "ICBT01/2026-02/withheld (10 characters: lower-case letters, punctuation or " in output
    assert "  NOT A DELIVERY: not a supported file type (.csv, .parquet, .jsonl, .ndjson)" in output
    assert "readme" not in output


def test_limit_caps_the_listing(landing):
    write(
        landing,
        "ICBT01/2026-02/episodes.csv",
        EPISODES_HEADER + episode("5", sex="F") + episode("6", sex="M").replace("self", "friend"),
    )
    result = CliRunner().invoke(
        main, ["validate", str(landing / "ICBT01"), "--today", "2026-06-30", "--limit", "1"]
    )
    assert "... 2 more kinds of problem not shown" in result.output
