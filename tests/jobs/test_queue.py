"""The SQLite job queue (embedded default, and ``sqlite://`` URLs): WAL, no flush to the disk per message."""

from __future__ import annotations

from pathlib import Path

import pytest

from cairn.jobs.queue import JobQueue


@pytest.mark.parametrize("url", [None, "sqlite:///{dir}/elsewhere.db"])
def test_sqlite_queue_commits_without_a_disk_flush(tmp_path: Path, url: str | None) -> None:
    queue = JobQueue(queue_url=url.format(dir=tmp_path) if url else None, data_dir=tmp_path)
    queue.enqueue_many("job.task", [{"job_id": 1, "seq": 0}, {"job_id": 1, "seq": 1}])
    connection = queue.huey.storage.conn
    assert connection.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert connection.execute("pragma synchronous").fetchone()[0] == 1  # NORMAL: FULL (2) synced every enqueue
    queue.huey.storage.close()
    again = JobQueue(queue_url=url.format(dir=tmp_path) if url else None, data_dir=tmp_path)
    assert again.size() == 2  # committed messages are there for the next process
