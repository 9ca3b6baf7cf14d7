"""Recording a view over a run, for slides: the plan, and the movie writer.

A ``RecordingPlan`` says what to record (a view by name, or the whole window), for how long and
at how many frames a second, into which file; the file's extension chooses the format (``.gif``
or ``.mp4``). ``MovieWriter`` takes the frames (uint8 (height, width, 3) arrays) one by one and
encodes them with imageio (Pillow for GIF, the ffmpeg binary of imageio-ffmpeg for MP4) into a
temporary file next to the target; the finished movie replaces the target atomically
(``playground.disk``): a cancelled or failed recording leaves an older file of the same name
as it was.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from playground.checks import one_line, quoted
from playground.disk import write_atomically

FORMATS = {".gif": "GIF", ".mp4": "MP4"}
MAX_SECONDS = 600
FPS_RANGE = (1, 60)
#: The views a recording can show, by the name the window gives them, and their labels.
TARGETS = {"window": "Whole window", "network": "Network", "output": "Output (boundary)",
           "curves": "Curves"}


@dataclass(frozen=True)
class RecordingPlan:
    """What to record. ``seconds`` of movie at ``fps`` frames a second: ``frames`` frames,
    one grabbed every 1/fps seconds of the run as it plays."""
    path: Path
    seconds: float = 10.0
    fps: int = 15
    target: str = "window"

    def __post_init__(self):
        object.__setattr__(self, "path", Path(self.path))
        if self.path.suffix.lower() not in FORMATS:
            raise ValueError(f"Record to a .gif or .mp4 file, not {quoted(self.path.name)}.")
        if not isinstance(self.fps, (int, np.integer)) or not \
                FPS_RANGE[0] <= self.fps <= FPS_RANGE[1]:
            raise ValueError(f"Frames per second must be a whole number from {FPS_RANGE[0]} "
                             f"to {FPS_RANGE[1]}, not {self.fps!r}.")
        if not isinstance(self.seconds, (int, float)) or not math.isfinite(self.seconds) \
                or not 0 < self.seconds <= MAX_SECONDS:
            raise ValueError(f"The length must be more than 0 and at most {MAX_SECONDS} "
                             f"seconds, not {self.seconds!r}.")
        if self.target not in TARGETS:
            raise ValueError(f"Unknown view {quoted(self.target)}; choose one of "
                             f"{', '.join(TARGETS)}.")

    @property
    def format(self) -> str:
        return FORMATS[self.path.suffix.lower()]

    @property
    def frames(self) -> int:
        return max(1, round(self.seconds * self.fps))

    @property
    def interval_ms(self) -> int:
        """Milliseconds of the run between two frames."""
        return max(1, round(1000 / self.fps))


class MovieWriter:
    """Encodes frames into ``plan.path``; ``close()`` finishes and puts the file in place,
    ``abort()`` throws the partial movie away. All frames must have the first one's size."""

    def __init__(self, plan: RecordingPlan):
        import imageio
        self.plan = plan
        self.count = 0
        self._size = None
        folder = plan.path.parent
        if not folder.is_dir():
            raise ValueError(f"The folder {quoted(str(folder))} does not exist.")
        self._temporary = folder / f".{plan.path.stem}.recording-{os.getpid()}{plan.path.suffix}"
        try:
            if plan.format == "GIF":
                self._writer = imageio.get_writer(self._temporary, mode="I", loop=0,
                                                  duration=1000.0 / plan.fps)
            else:
                self._writer = imageio.get_writer(
                    self._temporary, format="FFMPEG", mode="I", fps=plan.fps,
                    codec="libx264", pixelformat="yuv420p", quality=8, macro_block_size=1)
        except Exception as error:  # imageio raises several kinds; the message says which
            self._remove_temporary()
            raise ValueError(f"Cannot record to {quoted(plan.path.name)}: "
                             f"{one_line(error)}") from error

    def add(self, frame: np.ndarray) -> None:
        """Append one uint8 (height, width, 3) frame."""
        frame = np.asarray(frame)
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(f"a frame must be uint8 (height, width, 3), got "
                             f"{frame.dtype} {frame.shape}")
        if self._size is None:
            self._size = frame.shape[:2]
        elif frame.shape[:2] != self._size:
            # the view was resized while recording: keep the movie's size, pad or crop
            frame = _fit(frame, self._size)
        if self.plan.format == "MP4":
            frame = _even(frame)       # yuv420p needs an even width and height
        self._writer.append_data(frame)
        self.count += 1

    def close(self) -> Path:
        """Finish the movie and move it into place (atomically); returns its path."""
        self._writer.close()
        if self.count == 0:
            self._remove_temporary()
            raise ValueError("Nothing was recorded.")
        try:
            data = self._temporary.read_bytes()
        finally:
            self._remove_temporary()
        return write_atomically(self.plan.path, data)

    def abort(self) -> None:
        try:
            self._writer.close()
        except Exception:  # a broken encoder: the partial file goes anyway
            pass
        self._remove_temporary()

    def _remove_temporary(self) -> None:
        try:
            self._temporary.unlink()
        except FileNotFoundError:
            pass


def _even(frame: np.ndarray) -> np.ndarray:
    h, w = frame.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return frame
    return np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")


def _fit(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    h, w = size
    out = np.full((h, w, 3), 255, np.uint8)
    fh, fw = min(h, frame.shape[0]), min(w, frame.shape[1])
    out[:fh, :fw] = frame[:fh, :fw]
    return out
