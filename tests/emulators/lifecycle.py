"""Shared process lifecycle of the emulators.

``--exit-with-stdin``: the test support starts each emulator with a pipe on stdin and never writes
to it. When the test process ends, however it ends (even SIGKILL), the pipe closes and the
emulator terminates itself, so no emulator outlives the test that started it.
"""
import os
import signal
import sys
import threading


def exit_when_stdin_closes() -> None:
    def watch() -> None:
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="stdin-watch", daemon=True).start()
