"""A network camera on loopback: an MJPEG-over-HTTP stream of a real clip that a test can unplug."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2


class MjpegCamera:
    """Serves ``clip``'s frames as ``http://127.0.0.1:PORT/stream.mjpg``; ``stop()`` drops every client."""

    def __init__(self, clip: str, port: int = 0, fps: float = 25.0, frames: int = 120) -> None:
        cap = cv2.VideoCapture(clip)
        self.frames: list[bytes] = []
        while len(self.frames) < frames:
            ok, frame = cap.read()
            if not ok:
                break
            self.frames.append(cv2.imencode(".jpg", frame)[1].tobytes())
        cap.release()
        self.fps = fps
        self.port = port
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/stream.mjpg"

    def start(self) -> MjpegCamera:
        camera = self
        self._stop.clear()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
                self.end_headers()
                i = 0
                try:
                    while not camera._stop.is_set():
                        jpg = camera.frames[i % len(camera.frames)]
                        i += 1
                        head = f"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpg)}\r\n\r\n"
                        self.wfile.write(head.encode() + jpg + b"\r\n")
                        time.sleep(1 / camera.fps)
                except OSError:
                    pass

            def log_message(self, *args) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
