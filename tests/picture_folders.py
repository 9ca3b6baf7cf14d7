"""Folders of pictures the tests write: class sub-folders of PNG and JPEG files, with the
kinds of bad files a user's folder holds (for tests/playground and tests/widgets)."""
import numpy as np
from PIL import Image


def write_folder(root, per_class=8, size=(20, 24), seed=0, colour=False):
    """Three classes of PNG and JPEG pictures (bars at three angles), plus a broken PNG, a text
    file and a stray file outside the class folders."""
    rng = np.random.default_rng(seed)
    for k, name in enumerate(("bar", "column", "diagonal")):
        folder = root / name
        folder.mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 40, size).astype(np.uint8)
            h, w = size
            if k == 0:
                pixels[h // 2 - 2:h // 2 + 2, :] = 255
            elif k == 1:
                pixels[:, w // 2 - 2:w // 2 + 2] = 255
            else:
                for t in range(min(h, w)):
                    pixels[t, max(t - 2, 0):t + 2] = 255
            image = Image.fromarray(pixels)
            if colour:
                image = image.convert("RGB")
            image.save(folder / f"{i}.{'png' if i % 2 else 'jpg'}")
    (root / "bar" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a picture")
    (root / "column" / "notes.txt").write_text("the column pictures")
    (root / "stray.png").write_bytes(b"")
    return root
