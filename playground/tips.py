"""The help text of the window in one place: tooltips of the controls and what each view shows.

A control bound to an experiment field takes its tooltip from the field (``field_tip``: its
title and ``doc`` in ``playground.fields``, concept and formula); the few controls that are no
field (the dock buttons, the panel tabs, the help itself) are in ``CONTROL_TIPS``. What each
view draws, for "What am I looking at?", is ``VIEW_HELP``. Plain text (no Qt here), so the
headless side and the tests read the same words the window shows.
"""
from dataclasses import dataclass

from playground.fields import FIELDS_BY_NAME


def field_tip(name: str) -> str:
    """The tooltip of a control that sets field ``name``: "Title: doc"."""
    f = FIELDS_BY_NAME[name]
    return f"{f.title}: {f.doc}"


#: The formula of each activation, shown with its name in the activation menus.
ACTIVATION_FORMULAS = {
    "linear": "a = z (no squashing)",
    "sigmoid": "\u03c3(z) = 1 / (1 + e^-z), between 0 and 1",
    "tanh": "tanh(z) = (e^z - e^-z) / (e^z + e^-z), between -1 and 1",
    "relu": "ReLU(z) = max(0, z)",
    "leaky_relu": "z if z > 0, else slope \u00b7 z: ReLU with a small slope below 0",
    "softplus": "log(1 + e^z): a smooth ReLU",
    "elu": "z if z > 0, else e^z - 1",
    "swish": "z \u00b7 \u03c3(z)",
    "softmax": "e^z_k / \u03a3_j e^z_j: class probabilities that sum to 1",
}
#: Each loss with its formula (p: the predicted probability, y: the target).
LOSS_FORMULAS = {
    "bce": "Binary cross-entropy: -[y log p + (1 - y) log(1 - p)]",
    "softmax_ce": "Softmax cross-entropy: -\u03a3_k y_k log p_k",
    "mse": "Mean squared error: \u00bd (prediction - target)\u00b2",
}
#: Each optimizer's update rule (g: the gradient, \u03b7: the learning rate), as the course
#: writes it; keys are the engine's optimizer names.
OPTIMIZER_TIPS = {
    "sgd": "Plain gradient descent on each batch: x \u2190 x - \u03b7 \u00b7 g",
    "momentum": "A velocity that remembers past gradients: v \u2190 \u03c1 \u00b7 v + g; "
                "x \u2190 x - \u03b7 \u00b7 v (faster along a long valley, less zig-zag "
                "across it)",
    "nesterov": "Momentum with the gradient taken where the velocity is about to carry x: "
                "v \u2190 \u03c1 \u00b7 v + \u2207f(x - \u03b7 \u00b7 \u03c1 \u00b7 v); "
                "x \u2190 x - \u03b7 \u00b7 v",
    "adagrad": "A step per weight that shrinks with its summed squared gradients: "
               "c \u2190 c + g\u00b2; x \u2190 x - \u03b7 \u00b7 g / (\u221ac + \u03b5) "
               "(the steps fade as c grows)",
    "adadelta": "Zeiler's rule (2012): step = RMS of the past steps / RMS of the gradients "
                "\u00b7 g, no learning rate needed (\u03b7 = 1 is the paper's)",
    "rmsprop": "AdaGrad with a leaky sum: c \u2190 \u03c1 \u00b7 c + (1 - \u03c1) \u00b7 "
               "g\u00b2; x \u2190 x - \u03b7 \u00b7 g / (\u221ac + \u03b5) (the steps do "
               "not fade)",
    "adam": "Momentum and RMSProp together: m \u2190 \u03b2\u2081m + (1 - \u03b2\u2081)g, "
            "v \u2190 \u03b2\u2082v + (1 - \u03b2\u2082)g\u00b2, with bias correction "
            "m\u0302 = m / (1 - \u03b2\u2081\u1d57), v\u0302 = v / (1 - \u03b2\u2082\u1d57); "
            "x \u2190 x - \u03b7 \u00b7 m\u0302 / (\u221av\u0302 + \u03b5)",
    "newton": "Damped Newton's method on the whole training set: x \u2190 x - (H + "
              "\u03bbI)\u207b\u00b9g (H: the Hessian, the second derivatives; \u03bb \u2265 0 "
              "a damping that keeps the step downhill), with a line search; few, costly "
              "iterations",
    "lbfgs": "Quasi-Newton on the whole training set: a step -H\u207b\u00b9g with "
             "H\u207b\u00b9 estimated from the last few gradient changes, and a line search",
    "cg": "On the whole training set, each direction d \u2190 -g + \u03b2 \u00b7 d is "
          "conjugate to the previous ones; a line search chooses the step",
}
#: Each learning-rate schedule (\u03b7\u2080: the learning rate set above, t: the step).
SCHEDULE_TIPS = {
    "constant": "\u03b7 = \u03b7\u2080 at every step",
    "step": "Step decay: \u03b7 is multiplied by a factor (0.5 halves it) every few epochs",
    "exponential": "Exponential decay: \u03b7 = \u03b7\u2080 \u00b7 e^(-k t)",
    "inverse_time": "1/t decay: \u03b7 = \u03b7\u2080 / (1 + k t)",
    "linear": "Linear decay (the course's): from \u03b7\u2080 down to \u03b7_\u03c4 = "
              "end fraction \u00b7 \u03b7\u2080 over \u03c4 steps, then constant",
    "cosine": "Cosine decay: half a cosine from \u03b7\u2080 down to min fraction \u00b7 "
              "\u03b7\u2080 over T steps, then constant",
}
#: What each input feature is, one line; the names on screen come from the engine's labels.
FEATURE_TIPS = {
    "x1": "the point's horizontal position",
    "x2": "the point's vertical position",
    "x1^2": "the square of the horizontal position: a neuron can draw a curved boundary",
    "x2^2": "the square of the vertical position: a neuron can draw a curved boundary",
    "x1*x2": "the product of the two positions: positive in two opposite quadrants, negative "
             "in the other two",
    "sin x1": "a wave along the horizontal position",
    "sin x2": "a wave along the vertical position",
}

#: What each kind of layer does, for the image-network builder's kind menus (the formulas are
#: the engine's, shown beside these in the card's tooltip).
LAYER_KIND_TIPS = {
    "conv2d": "Convolution: each filter, a small k x k window of weights, slides over the maps "
              "and gives one new map; the same weights at every place (weight sharing)",
    "maxpool2d": "Max-pool: the largest value of each size x size window, per map: smaller "
                 "maps that keep the strongest responses",
    "avgpool2d": "Average-pool: the mean of each size x size window, per map",
    "batchnorm": "Batch norm: each channel standardized over the batch, then scaled by a "
                 "learned \u03b3 and shifted by a learned \u03b2; at test time the running "
                 "mean and variance are used",
    "flatten": "Flatten: the C x H x W maps laid out as one vector of C\u00b7H\u00b7W "
               "numbers, for the dense layers after it",
    "dense": "Dense: every unit sees every number of the vector before it, a = f(Wx + b)",
}
#: Tooltips of the settings of a layer in the image-network builder, by the Layer field.
LAYER_SETTING_TIPS = {
    "filters": "Number of filters, each giving one output map (the output's channels)",
    "kernel_size": "Size k of each filter's k x k window (an odd size for same padding)",
    "stride": "How many pixels the window moves each step: 2 halves the map's size",
    "padding": "same: zeros around the map keep its size (at stride 1); valid: no padding, "
               "the map shrinks by k - 1",
    "activation": "The function applied to each value the layer computes",
    "init": "How the layer's weights start (its biases start at 0)",
    "dropout": "Dropout rate p: at each training step every unit of this layer is silenced "
               "with probability p and the others scaled by 1/(1 - p) (0: none)",
    "units": "Number of units (neurons) of this dense layer",
    "size": "Size of the pooling window (and its step): 2 halves each side of the map",
    "momentum": "How fast the running mean and variance follow each batch's: "
                "running \u2190 (1 - m) \u00b7 running + m \u00b7 batch",
    "frozen": "A frozen layer keeps its weights: training changes only the other layers "
              "(transfer learning)",
    "lr_scale": "This layer's learning rate as a multiple of the experiment's "
                "(0.1: ten times smaller steps, for fine-tuning)",
    "insert": "Insert a layer after this one (choose its kind)",
    "remove": "Remove this layer",
    "kind": "The kind of this layer; another kind replaces it with that kind's usual layer",
}

#: Tooltips of controls that set no experiment field, by a short key. A run key in brackets
#: at the end ("(S)") is how the keyboard cheat sheet describes that key.
CONTROL_TIPS: dict[str, str] = {
    "reset": "Back to the same initial weights (R)",
    "play": "Train (Space)",
    "pause": "Pause (Space)",
    "step": "Train one mini-batch step (S)",
    "epoch": "Train to the end of this epoch (E)",
    "reseed": "Start again from new random weights (N)",
    "add_layer": "Add a hidden layer",
    "remove_layer": "Remove the last hidden layer",
    "add_neuron": "Add a neuron",
    "batch_norm": "Batch norm after this layer: its activations x are normalized over each "
                  "mini-batch B, x\u0302 = (x \u2212 \u03bc_B) / \u221a(\u03c3\u00b2_B + \u03b5), "
                  "then scaled and shifted, y = \u03b3x\u0302 + \u03b2 (\u03b3 and \u03b2 "
                  "learned, one pair per neuron), so the next layer gets zero-mean, "
                  "unit-variance input; evaluation (test loss, maps, boundary) uses the "
                  "running averages of \u03bc_B and \u03c3\u00b2_B instead",
    "batch_norm_momentum": "Batch-norm momentum m: after each training batch the running "
                           "averages move, \u03bc \u2190 (1 \u2212 m)\u00b7\u03bc + "
                           "m\u00b7\u03bc_B and \u03c3\u00b2 \u2190 (1 \u2212 m)\u00b7"
                           "\u03c3\u00b2 + m\u00b7\u03c3\u00b2_B; evaluation uses them "
                           "(a larger m follows the latest batches faster)",
    "remove_neuron": "Remove a neuron",
    "dropout": "Dropout rate p: at each training step every neuron of this layer is silenced "
               "with probability p and the others scaled by 1/(1 - p) (inverted dropout), so "
               "no neuron can rely on another; at test time all of them work (0: none)",
    "regenerate": "New random points from the next data seed",
    "dock_close": "Close this panel (the View menu opens it again)",
    "dock_float": "Float this panel in its own window, or dock it again",
    "tab": "Show the {title} panel (panels share this place as tabs; drag a tab to move it)",
    "help_button": "What am I looking at? How to read this view",
    "field_keys": "In a number or text field, Enter confirms what you typed and Escape drops "
                  "it; either gives the keys back to the window.",
}


@dataclass(frozen=True)
class ViewHelp:
    """What one view shows: a title and a few paragraphs (each a plain-text string)."""
    key: str
    title: str
    paragraphs: tuple


VIEW_HELP: tuple[ViewHelp, ...] = (
    ViewHelp("network", "The network", (
        "Columns from left to right: the input features, each hidden layer, the output. "
        "Every square is one neuron; every line is one weight, from a neuron of one layer to "
        "a neuron of the next.",
        "A neuron computes a = g(w\u00b7x + b): the weighted sum of the layer before it "
        "plus its bias b, passed through the layer's activation g (chosen above the column).",
        "Click a line, or a neuron's small bias square, to type a new value. - and + above "
        "a column remove and add neurons; the buttons at the top remove and add layers.",
    )),
    ViewHelp("links", "Link colours and thickness", (
        "Blue links are positive weights, orange ones negative: a blue link makes its target "
        "neuron more active when its source is, an orange one less.",
        "Thickness shows |w| relative to its own layer: the thickest links are those at or "
        "above the layer's 95th percentile of |w|, stated in the footer (\"Thickest link, "
        "layer by layer\"). So the picture keeps showing which weights matter however large "
        "they grow. Hover a link to read its exact weight.",
    )),
    ViewHelp("neurons", "Neuron maps", (
        "Each square is one neuron's output over the whole input plane: the point (x\u2081, "
        "x\u2082) of the data picture is coloured by the value the neuron gives there.",
        "Blue is positive, orange negative, white zero. tanh and sigmoid neurons share one "
        "fixed scale (-1 to 1), so a saturated neuron looks solid; ReLU-like neurons are each "
        "scaled to their own largest value, and a dead one (zero everywhere) stays white.",
        "Early layers draw lines (each neuron splits the plane where w\u00b7x + b = 0); later "
        "layers combine them into curves. Hover a neuron to see its map large on the right.",
    )),
    ViewHelp("boundary", "The decision boundary", (
        "The network's output over the input plane, with the data on top: training points "
        "filled, test points outlined, each class in its own colour and marker shape.",
        "For two classes the colour is the predicted probability of class 2, blue (the "
        "colour bar gives the scale); the boundary is where it crosses 0.5. For several "
        "classes each region takes the colour of its most probable class, paler where the "
        "network is unsure. For regression it is the predicted value.",
        "Discretize shows hard class regions only; unticking Test data hides the test "
        "points.",
    )),
    ViewHelp("curves", "The curves", (
        "Loss against the training step: the training loss (on the points it learns from) "
        "and the test loss (on the points it never sees). Below: the accuracy, the share of "
        "points classified correctly.",
        "Both falling: it is learning. Training loss falling while test loss rises: "
        "overfitting (early stopping would stop at the test loss's minimum). A loss that "
        "shoots up: the learning rate is too large; a dashed line marks where a run diverged.",
        "Log scale shows the loss in decades (0.01, 0.1, 1), so slow late progress shows. "
        "Hover the curves to read a step's values.",
    )),
)

VIEW_HELP_BY_KEY: dict[str, ViewHelp] = {v.key: v for v in VIEW_HELP}
