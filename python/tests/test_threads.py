"""Training releases the GIL, and Ctrl-C stops a run at a checkpoint with KeyboardInterrupt."""

import json
import signal
import subprocess
import sys
import threading
import time

import curvegan

# A process started in the background by a non-interactive shell inherits SIGINT ignored, and
# Python then installs no handler of its own: the child restores the interactive one first.
SCRIPT = """
import signal, sys, curvegan
signal.signal(signal.SIGINT, signal.default_int_handler)
try:
    curvegan.train(steps=300000, plot_every=0, eval_every=0, out="a")
except KeyboardInterrupt as e:
    print(e)
    sys.exit(3)
"""


def test_other_threads_run_while_a_run_trains(in_tmp):
    box = {}
    worker = threading.Thread(
        target=lambda: box.update(run=curvegan.train(steps=3000, plot_every=0, out="a")))
    worker.start()
    # Turns of this thread while run.json says the run is training: with the GIL held from
    # the run's start to its end, there would be none.
    record, turns = in_tmp / "a" / "run.json", 0
    while worker.is_alive():
        try:
            turns += json.loads(record.read_text())["status"] == "running"
        except (OSError, ValueError):
            pass
    worker.join()
    assert box["run"].status == "finished"
    assert turns >= 10, turns


def test_ctrl_c_stops_at_a_checkpoint_and_raises_keyboard_interrupt(in_tmp):
    child = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    record = in_tmp / "a" / "run.json"
    deadline = time.monotonic() + 60
    while not record.exists() or json.loads(record.read_text())["status"] != "running":
        assert time.monotonic() < deadline and child.poll() is None, child.communicate()
        time.sleep(0.05)
    time.sleep(0.5)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 3, (out, err)
    assert "checkpoint saved. Resume with: curvegan.resume('a')" in out, out
    run = curvegan.load("a")
    assert run.status == "stopped" and run.checkpoint_step > 0
    step = run.checkpoint_step
    assert len(run.metrics) == step
    done = curvegan.resume("a", steps=step + 20)
    assert done.status == "finished" and len(done.metrics) == step + 20
