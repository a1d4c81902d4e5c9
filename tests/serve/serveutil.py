"""forum-serve in the background for the tests in this directory: started
on a free loopback port, its stderr collected line by line."""
import http.client
import socket
import subprocess
import threading
import time
import signal


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """forum-serve in the background; its stderr collected line by line."""

    def __init__(self, serve, db, *extra):
        self.lines = []
        self.lock = threading.Lock()
        for _ in range(5):
            self.port = free_port()
            self.proc = subprocess.Popen(
                [serve, "--listen", "127.0.0.1:%d" % self.port, *extra, db],
                stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
            self.reader = threading.Thread(target=self._read, daemon=True)
            self.reader.start()
            if self.wait_for("serving ", 10):
                return
            self.proc.kill()
            self.proc.wait()
        raise SystemExit("forum-serve did not start:\n" + self.log())

    def _read(self):
        for raw in self.proc.stderr:
            with self.lock:
                self.lines.append(raw.decode("utf-8", "replace"))

    def log(self):
        with self.lock:
            return "".join(self.lines)

    def wait_for(self, text, seconds):
        end = time.time() + seconds
        while time.time() < end:
            if text in self.log():
                return True
            if self.proc.poll() is not None:
                self.reader.join(2)
                return text in self.log()
            time.sleep(0.02)
        return False

    def get(self, path, method="GET", headers=None):
        """(status, headers dict with lower-case names, body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        conn.close()
        return resp.status, hdrs, body

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.reader.join(5)
        return code


