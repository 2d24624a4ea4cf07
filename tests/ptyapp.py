"""Run the real `facilitator` command in a pseudo-terminal, type keys, read the screen bytes."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time


class PtyApp:
    """A `python -m facilitator ...` process on a 120x40 pseudo-terminal."""

    def __init__(
        self, *args: str, env: dict[str, str] | None = None, size: tuple[int, int] = (120, 40)
    ) -> None:
        master, slave = pty.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        full_env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        full_env.update({"TERM": "xterm-256color", "TEXTUAL_ANIMATIONS": "none"})
        full_env.setdefault("FACILITATOR_USER", "Sam Facilitator")  # or the TUI asks who first
        full_env.update(env or {})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "facilitator", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=full_env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.master = master
        self.output = b""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        # Drain the terminal all the time: an app whose output nobody reads blocks on write.
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self.output += chunk

    def read(self, seconds: float = 0.2) -> bytes:
        """Everything drawn so far, after waiting `seconds`."""
        time.sleep(seconds)
        with self._lock:
            return self.output

    def wait_for(self, text: str, timeout: float = 20.0) -> None:
        """Read until `text` has been drawn; fail with the screen bytes if it is not."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if text.encode() in self.read(0.2):
                return
            if self.proc.poll() is not None:
                self.read(0.2)
                break
        raise AssertionError(f"{text!r} never appeared; output tail: {self.output[-2000:]!r}")

    def type(self, keys: str, pause: float = 0.05) -> None:
        """Send keystrokes as a keyboard would."""
        for ch in keys:
            os.write(self.master, ch.encode())
            time.sleep(pause)

    def step(self, keys: str, confirmation: str, *, tries: int = 3, timeout: float = 8.0) -> None:
        """Type `keys` until `confirmation` is drawn, as a person retypes a key that did not take.

        On a heavily loaded machine, keystrokes sent in the first instants after start-up can
        be lost before the screen has settled; a confirmation-driven step makes that visible
        and harmless instead of flaky.
        """
        for _ in range(tries):
            # Start from the roster: escape, then a pause so the next key is not read as alt+key.
            self.type("\x1b")
            time.sleep(0.4)
            with self._lock:
                start = len(self.output)
            self.type(keys)
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                with self._lock:
                    if confirmation.encode() in self.output[start:]:
                        return
                time.sleep(0.05)
        raise AssertionError(f"{confirmation!r} never appeared after typing {keys!r}")

    def kill(self) -> None:
        """SIGKILL: no clean-up, as in a power cut."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self._stop.set()
        self._reader.join(2)
        os.close(self.master)

    def close(self) -> None:
        """Stop the process if it still runs."""
        if self.proc.poll() is None:
            self.kill()
