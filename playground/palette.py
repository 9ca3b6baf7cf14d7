"""The one palette of the application, as plain data: every view (``widgets/theme.py``) and every
headless picture (``playground/pictures.py``) reads its colours and class markers from here.

Class colours are chosen for colour-vision deficiency: class 0 orange and class 1 blue (also
negative and positive values), then colours from the Okabe-Ito and Paul Tol sets, ordered so
that any first K of them stay apart (CIEDE2000 distance of at least 10) under simulated
protanopia, deuteranopia and tritanopia (Machado et al. 2009, full severity). Each class also
has its own marker shape, so no class relies on colour alone.
"""

#: One colour per class (up to the ten classes a data set may have), '#RRGGBB'.
CLASS_COLORS = ("#F28E2B",    # orange
                "#2F6FDE",    # blue
                "#009E73",    # bluish green (Okabe-Ito)
                "#882255",    # wine (Tol)
                "#66CCEE",    # cyan (Tol)
                "#1B1B1B",    # near black
                "#CC3311",    # red (Tol)
                "#332288",    # indigo (Tol)
                "#AA4499",    # purple (Tol)
                "#DDCC77")    # sand (Tol)
#: One marker shape per class, in the same order; the names are ``MARKERS``.
CLASS_MARKERS = ("circle", "square", "triangle", "diamond", "triangle_down", "pentagon",
                 "hexagon", "star", "plus", "cross")
MARKERS = ("circle", "square", "triangle", "diamond", "triangle_down", "pentagon", "hexagon",
           "star", "plus", "cross")

NEGATIVE = CLASS_COLORS[0]           # weights, biases and maps below zero
POSITIVE = CLASS_COLORS[1]           # and above
#: Soft diverging map (low, middle, high) behind the points of the boundary view.
DIVERGING = ("#F5A35C", "#F7F7F7", "#6E98EA")
#: Strong diverging map (low, middle, high) for the points of a regression set.
STRONG = (NEGATIVE, "#FAFAFA", POSITIVE)
INK = "#1F2937"
MUTED = "#6B7280"
GRID = "#E5E7EB"
TRAIN_CURVE = "#1F2937"
TEST_CURVE = "#E8590C"


def class_color(k: int) -> str:
    """'#RRGGBB' of class k (the palette repeats past its end)."""
    return CLASS_COLORS[int(k) % len(CLASS_COLORS)]


def class_marker(k: int) -> str:
    """Marker name of class k (a name in ``MARKERS``)."""
    return CLASS_MARKERS[int(k) % len(CLASS_MARKERS)]
