"""Runs one command as the benchmarks time it: a whole process, with its peak memory."""

import os
import subprocess
import sys
import tempfile
import time


def run(command):
    """Runs `command`; returns its wall seconds, peak resident MiB and standard output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            err.seek(0)
            sys.exit(f"{command[0]} failed ({child.returncode}):\n{err.read().decode()}")
        out.seek(0)
        return wall, usage.ru_maxrss / 1024, out.read().decode()
