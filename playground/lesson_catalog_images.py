"""The image lessons: conv nets on the digits and the shapes, one ready experiment per concept.

``IMAGE_LESSONS`` declares them as ``playground.lesson_spec.Lesson``, in the order of the
Lessons menu's "Conv nets" group (``playground.lessons.by_concept``): convolution and weight
sharing, pooling, the filters learned on digits, then data augmentation and transfer learning.
``playground.lesson_catalog`` appends them to its ``LESSONS``, after the 2-D lessons, as the
course comes to conv nets last. Each lesson's claim is checked headlessly by
``tests/playground/test_lesson_claims_conv.py`` (the augmentation and transfer lessons by their
own claim tests); the thresholds there were measured over several seeds.

The formulas use the course's notation: g for the activation, W and b for a layer's weights and
bias; a conv layer's filter k has weights Wₖ(u, v) over a small window of its input x.
"""
from __future__ import annotations

from playground.fields import Layer
from playground.lesson_spec import Lesson
from playground.transfer import FEW_SHAPES, SHAPES_PLAN

CONCEPT = "Conv nets"

#: The synthetic shapes at 20x20 (lines at four angles, squares, circles, crosses, triangles,
#: each moved up to 2 px at random, with a little noise), as the LeNet example draws them.
_SHAPES = {"dataset": "shapes", "n_points": 1200, "noise": 0.1, "train_ratio": 0.75}
_SOFTMAX = {"output_activation": "softmax", "loss": "softmax_ce"}
_ADAM = {"optimizer": "adam", "learning_rate": 0.005, "batch_size": 32}

#: Weight sharing: the same parameter budget, 1,644 weights and biases in a dense network
#: (400 pixels -> 4 ReLU units -> 8 classes) against 1,688 in a conv net (8 filters 3x3, a 4x4
#: max-pool, 8x5x5 maps -> 8 classes): 2.7% apart.
DENSE_NET = (Layer.flatten(), Layer(4, "relu", "he_normal"))
CONV_NET = (Layer.conv(8, 3), Layer.pool(4), Layer.flatten())

#: Pooling: 8 filters 5x5, with and without a 4x4 max-pool before the output layer
#: (25,816 parameters without, 1,816 with).
UNPOOLED_NET = (Layer.conv(8, 5), Layer.flatten())
POOLED_NET = (Layer.conv(8, 5), Layer.pool(4), Layer.flatten())

#: Filters on digits: 8 filters 5x5 started as faint noise (N(0, 0.05²)) so that what they
#: become is learned, not left over from the start.
FILTER_NET = (Layer.conv(8, 5, init="random_normal"), Layer.pool(2), Layer.flatten())

#: Augmentation: two conv layers and a dense layer, learning the shapes from 10 of each.
AUGMENT_NET = (Layer.conv(8, 3), Layer.pool(2), Layer.conv(16, 3), Layer.pool(2),
               Layer.flatten(), Layer(32, "relu", "he_uniform"))

IMAGE_LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "conv_weight_sharing", "Convolution and weight sharing", CONCEPT,
        look_at="One budget: 1,644 parameters here, 1,688 in Show me's conv net. The dense net "
                "spends them on 4 units of 400 weights each; a conv filter has 9 weights, used "
                "at all 400 positions. Compare the test accuracy after 2 epochs.",
        formula="aₖ(i,j) = g(bₖ + Σᵤᵥ Wₖ(u,v) x(i+u, j+v)) ; the same Wₖ at every (i, j)",
        try_next="Show me swaps in the conv net (8 filters 3×3, a 4×4 max-pool): it passes "
                 "90% in the same 2 epochs. Then look at its filters and feature maps.",
        changes={**_SHAPES, "layers": DENSE_NET, **_SOFTMAX, **_ADAM, "steps_per_frame": 2,
                 "stop_at_epoch": 2},
        show_me={"layers": CONV_NET},
    ),
    Lesson(
        "pooling", "What pooling does", CONCEPT,
        look_at="Without pooling the output layer has a weight for every position of every "
                "map: 25,608 of the 25,816 parameters. A 4×4 max-pool keeps each window's "
                "largest response, so shapes moved by 2 px are still named more often.",
        formula="aₖ(i,j) = max zₖ(4i+u, 4j+v) ; over the window 0 ≤ u, v < 4",
        try_next="Show me adds the 4×4 max-pool: 1,816 parameters, the same accuracy. See its "
                 "5×5 pooled feature maps, then try a 2×2 window.",
        changes={**_SHAPES, "layers": UNPOOLED_NET, **_SOFTMAX, **_ADAM, "steps_per_frame": 7,
                 "stop_at_epoch": 3},
        show_me={"layers": POOLED_NET},
    ),
    Lesson(
        "digit_filters", "Filters learned on digits", CONCEPT,
        look_at="The eight 5×5 filters start as faint noise, each weight independent of its "
                "neighbours. Watch them while the net learns the digits: they turn into smooth "
                "blobs and strokes, and the test accuracy passes 95%.",
        formula="zₖ(i,j) = bₖ + Σᵤᵥ Wₖ(u,v) x(i+u, j+v) ; Wₖ ~ N(0, 0.05²) at the start",
        try_next="Show me trains the same filters on the shapes: they become edge detectors, "
                 "light on one side and dark on the other. The feature maps show where each fires.",
        changes={"dataset": "digits", "train_ratio": 0.8, "noise": 0.1,
                 "layers": FILTER_NET, "init_scale": 0.05, **_SOFTMAX, "optimizer": "adam",
                 "learning_rate": 0.01, "batch_size": 32, "steps_per_frame": 5,
                 "stop_at_epoch": 8},
        show_me={"dataset": "shapes"},
    ),
    # ---- data augmentation and transfer learning (helper T's lessons go here) -----------------
    Lesson(
        "augmentation_small_set", "Augmentation on a small training set", CONCEPT,
        look_at="Only 10 training shapes of each kind, 80 in all. The net soon gets all 80 "
                "right, but the test loss stops falling well above 0: it has learnt those 80 "
                "pictures, each shape at the places it happened to be drawn.",
        formula="x\u0303 = shift(x, dy, dx) ; dy, dx uniform in \u22122..2, drawn anew each "
                "time x is used",
        try_next="Show me shifts each training image up to 2 px, anew each time: the test "
                 "loss ends far lower. Flips would not do: a flipped 45\u00b0 line is a "
                 "135\u00b0 one.",
        changes={**_SHAPES, "per_class": 10, "layers": AUGMENT_NET, **_SOFTMAX,
                 "optimizer": "adam", "learning_rate": 0.005, "batch_size": 16,
                 "steps_per_frame": 20, "stop_at_epoch": 160},
        show_me={"augmentation": {"shift": True, "shift_pixels": 2}},
    ),
    Lesson(
        "transfer_few_examples", "Transfer learning from few examples", CONCEPT,
        look_at="Squares, circles, crosses and triangles in heavy noise, 3 training images of "
                "each. From scratch, the conv filters must find edges in 12 noisy pictures: "
                "the training loss nears 0, the test accuracy stays low (see it at step 600).",
        formula="W\u2081, W\u2082 \u2190 the lines' network's, frozen ; W\u2083, W\u2084 "
                "random: W \u2190 W \u2212 \u03b7 \u2202L/\u2202W for them only",
        try_next="Tools > Compare runs > Transfer vs from scratch: a net that learnt the four "
                 "lines lends its conv layers, frozen; both curves show. Show me learns the "
                 "lines.",
        changes={**FEW_SHAPES, "steps_per_frame": 10, "stop_at_epoch": SHAPES_PLAN.steps},
        show_me={"classes": (0, 1, 2, 3), "per_class": 0, "stop_at_epoch": 36},
    ),
)
