"""The W1 flow, served: `python served.py` registers the deployment `one-task/bench-one` and polls
Prefect's API for runs of it, as `flow.serve` does.

Kept apart from bench.py on purpose: the runner starts every flow run in a fresh Python process
(multiprocessing "spawn"), which imports this file again, so it imports nothing beyond Prefect.
Poll interval: PREFECT_RUNNER_POLL_FREQUENCY (set by bench.py).
"""
from prefect import flow, task


@task
def noop(i):
    return i


@flow
def one_task():
    return noop(1)


if __name__ == "__main__":
    # limit: at most this many runs at once in this runner (PREFECT_RUNNER_PROCESS_LIMIT, default 5).
    # W1 triggers one run at a time, so the default is never reached; kept explicit.
    # pause_on_shutdown=False: the deployment is throwaway, leave it as it is on exit.
    one_task.serve(name="bench-one", limit=5, pause_on_shutdown=False, print_starting_message=False)
