"""`icbt run` waits for files still being written before it plans, once, and leaves a
file that keeps changing for the next run."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from pipelines.orchestration import wait_until_settled
from tests.pipelines.ingestion.conftest import EPISODES_HEADER, PROGRAM, episode, write


def test_a_fresh_file_is_waited_for_until_it_has_been_quiet(tmp_path: Path):
    landing = tmp_path / "landing"
    write(landing, "ICBT01/2026-01/programs.csv", PROGRAM)
    started = time.monotonic()
    assert wait_until_settled(landing, 1.0) == []
    assert 0.5 < time.monotonic() - started < 5


def test_a_file_written_during_the_wait_is_left_for_the_next_run(tmp_path: Path):
    landing = tmp_path / "landing"
    path = write(landing, "ICBT01/2026-01/episodes.csv", EPISODES_HEADER)

    def keep_writing() -> None:
        for key in range(1, 17):  # four seconds of writing, well past the wait
            time.sleep(0.25)
            with path.open("a") as handle:
                handle.write(episode(str(key)))

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        assert wait_until_settled(landing, 1.0) == ["ICBT01/2026-01/episodes.csv"]
    finally:
        writer.join()
