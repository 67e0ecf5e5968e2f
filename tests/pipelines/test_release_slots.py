"""`python -m pipelines.run` frees the build file's pool slot held by a run that already ended."""

import dagster as dg

from pipelines.resources import BUILD_DB_POOL
from pipelines.run import release_dead_runs


@dg.op
def noop() -> None:
    return None


@dg.job
def tiny_job():
    noop()


def test_a_slot_held_by_a_finished_run_is_freed():
    with dg.instance_for_test() as instance:
        storage = instance.event_log_storage
        storage.set_concurrency_slots(BUILD_DB_POOL, 1)
        finished = tiny_job.execute_in_process(instance=instance).run_id
        # what a worker killed mid-step leaves: the run is failed, its slot still claimed
        storage.claim_concurrency_slot(BUILD_DB_POOL, finished, "noop")
        assert [s.run_id for s in storage.get_concurrency_info(BUILD_DB_POOL).claimed_slots] == [
            finished
        ]
        assert release_dead_runs(instance) == [finished]
        assert storage.get_concurrency_info(BUILD_DB_POOL).claimed_slots == []
        assert release_dead_runs(instance) == []  # nothing left to release
