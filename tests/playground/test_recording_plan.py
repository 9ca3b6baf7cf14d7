"""Recording plans and the movie writer: formats, frame counts, sizes, atomic replacement."""
import imageio.v3 as iio
import numpy as np
import pytest

from playground.recording import MovieWriter, RecordingPlan


def frames(n, h=31, w=45):
    """n frames, each a different grey level with a white square that moves right."""
    out = []
    for i in range(n):
        f = np.full((h, w, 3), 30 * i, np.uint8)
        f[5:15, 3 * i:3 * i + 10] = 255
        out.append(f)
    return out


def test_a_plan_counts_its_frames_and_names_its_format(tmp_path):
    plan = RecordingPlan(tmp_path / "a.GIF", seconds=2.5, fps=12, target="curves")
    assert (plan.format, plan.frames, plan.interval_ms) == ("GIF", 30, 83)
    assert RecordingPlan(tmp_path / "b.mp4", seconds=0.05, fps=10).frames == 1


@pytest.mark.parametrize("changes, message", [
    ({"path": "movie.avi"}, "gif or .mp4"),
    ({"fps": 0}, "from 1 to 60"),
    ({"fps": 2.5}, "whole number"),
    ({"seconds": 0}, "more than 0"),
    ({"seconds": float("nan")}, "more than 0"),
    ({"target": "everything"}, "Unknown view"),
])
def test_a_bad_plan_is_refused_with_its_reason(tmp_path, changes, message):
    values = {"path": tmp_path / "m.gif", **changes}
    with pytest.raises(ValueError, match=message):
        RecordingPlan(**values)


def test_a_gif_holds_every_frame_at_the_chosen_rate(tmp_path):
    plan = RecordingPlan(tmp_path / "m.gif", seconds=0.5, fps=10)
    writer = MovieWriter(plan)
    shown = frames(5)
    for f in shown:
        writer.add(f)
    assert writer.close() == plan.path
    movie = iio.imread(plan.path, index=None)
    assert movie.shape[:3] == (5, 31, 45)
    # the GIF palette keeps these few colours exactly
    np.testing.assert_array_equal(movie[..., :3], np.stack(shown))
    assert iio.immeta(plan.path)["duration"] == 100       # ms per frame
    assert list(tmp_path.iterdir()) == [plan.path]         # no temporary left


def test_an_mp4_has_an_even_size_the_frames_and_the_rate(tmp_path):
    plan = RecordingPlan(tmp_path / "m.mp4", seconds=1, fps=8)
    writer = MovieWriter(plan)
    shown = frames(8)                       # 31 x 45: odd, padded to 32 x 46
    for f in shown:
        writer.add(f)
    writer.close()
    movie = iio.imread(plan.path, index=None, plugin="FFMPEG")
    meta = iio.immeta(plan.path, plugin="FFMPEG")
    assert movie.shape == (8, 32, 46, 3) and meta["fps"] == 8
    # lossy, but each frame is recognisably its own: the bright square sits where it was drawn
    for i, m in enumerate(movie):
        assert m[8:12, 3 * i + 4:3 * i + 6].mean() > 200
        assert abs(float(m[20:30, 30:40].mean()) - 30 * i) < 12


def test_a_frame_of_another_size_is_fitted_to_the_movie(tmp_path):
    plan = RecordingPlan(tmp_path / "m.gif", seconds=0.2, fps=10)
    writer = MovieWriter(plan)
    writer.add(frames(1)[0])
    writer.add(np.zeros((50, 20, 3), np.uint8))        # the view was resized while recording
    writer.close()
    assert iio.imread(plan.path, index=None).shape[:3] == (2, 31, 45)
    with pytest.raises(ValueError, match="uint8"):
        MovieWriter(plan).add(np.zeros((4, 4)))


def test_an_aborted_or_empty_recording_leaves_the_old_file(tmp_path):
    target = tmp_path / "m.gif"
    target.write_bytes(b"the old movie")
    writer = MovieWriter(RecordingPlan(target, seconds=1, fps=5))
    writer.add(frames(1)[0])
    writer.abort()
    assert target.read_bytes() == b"the old movie" and list(tmp_path.iterdir()) == [target]
    with pytest.raises(ValueError, match="Nothing was recorded"):
        MovieWriter(RecordingPlan(target, seconds=1, fps=5)).close()
    assert target.read_bytes() == b"the old movie" and list(tmp_path.iterdir()) == [target]


def test_a_missing_folder_is_a_clear_message(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        MovieWriter(RecordingPlan(tmp_path / "nowhere" / "m.gif"))
