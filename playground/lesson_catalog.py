"""The experiment lessons: one ready experiment per concept of the course, with its explanation.

``LESSONS`` declares them as ``playground.lesson_spec.Lesson``; ``playground.lessons`` turns them
into lesson files, lists them and opens them by name. Each lesson's ``changes`` are the settings
that differ from ``playground.fields.defaults()``; ``show_me`` is the one switch that shows the
point (switch the activation, the initializer, the optimizer...). What each lesson claims is
checked headlessly by ``tests/playground/test_lesson_claims_*.py``: a lesson whose claim stops
holding is a failing test, and the fix is the lesson's settings.

The words and formulas are the course's (``shared/course``): g for the activation, η for the
learning rate, ρ for momentum, β₁ β₂ for Adam's decays, λ for a regularization rate.
"""
from __future__ import annotations

from playground.fields import Layer
from playground.lesson_catalog_images import IMAGE_LESSONS
from playground.lesson_spec import Lesson


def _layers(*units, activation="tanh", init="glorot_uniform", dropout=0.0) -> tuple:
    return tuple(Layer(u, activation, init, dropout) for u in units)


LESSONS: tuple[Lesson, ...] = (
    # ---- the perceptron and activations ----------------------------------------------------
    Lesson(
        "perceptron_line", "A perceptron is a line", "The perceptron",
        look_at="With no hidden layer the network is one neuron, ŷ = g(w₀ + x₁w₁ + x₂w₂): its "
                "boundary (ŷ = 0.5, where the sum is 0) is always a straight line. Two clouds "
                "are split well; the ring of Show me cannot be.",
        formula="ŷ = g(w₀ + Xᵀw) ;  e.g. ŷ = g(1 + 3x₁ − 2x₂), at x = (−1, 2): g(−6) ≈ 0.002",
        try_next="Show me puts a disc inside a ring: the line cannot close round it. Then add "
                 "the X₁² and X₂² features: the same single neuron draws a circle.",
        changes={"dataset": "gauss", "noise": 0.1, "layers": (), "normalize": False,
                 "optimizer": "sgd", "learning_rate": 0.1, "batch_size": 10},
        show_me={"dataset": "circle", "noise": 0.0},
    ),
    Lesson(
        "nonlinear_xor", "Why non-linear activations", "Activation functions",
        look_at="Every hidden neuron here is linear, so the whole network is one linear map "
                "and its boundary one line: on the exclusive or it cannot beat a coin "
                "(loss stays near ln 2 ≈ 0.69, accuracy near 50%).",
        formula="W₂(W₁x + b₁) + b₂ = (W₂W₁)x + (W₂b₁ + b₂) : still linear ;  "
                "g(z) = tanh z breaks it",
        try_next="Show me makes the hidden layer tanh: it passes 95%. Or go back to linear, "
                 "remove the hidden layer and add the X₁X₂ feature.",
        changes={"dataset": "xor", "noise": 0.0, "layers": _layers(4, 4, activation="linear"),
                 "optimizer": "adam", "learning_rate": 0.03, "batch_size": 10},
        show_me={"layers": _layers(4, 4, activation="tanh")},
    ),
    Lesson(
        "vanishing_sigmoid", "Sigmoid's vanishing gradients", "Activation functions",
        look_at="Six sigmoid layers: backpropagation multiplies the gradient by σ′(z) ≤ 0.25 "
                "at every layer, so the first layers hardly learn and the loss sits on a "
                "plateau. Look at the input-side links: they barely change colour.",
        formula="∂L/∂a₁ = ∂L/∂a₆ · ∏ₗ σ′(zₗ)Wₗ ,  σ′(z) = σ(z)(1 − σ(z)) ≤ 1/4",
        try_next="Show me switches every layer to tanh (tanh′(0) = 1): the same network "
                 "learns. Then try ReLU with He initialization.",
        changes={"dataset": "circle", "noise": 0.0,
                 "layers": _layers(8, 8, 8, 8, 8, 8, activation="sigmoid"),
                 "optimizer": "sgd", "learning_rate": 0.1, "batch_size": 10},
        show_me={"layers": _layers(8, 8, 8, 8, 8, 8, activation="tanh")},
    ),
    Lesson(
        "dead_relu", "Dead ReLUs and leaky ReLU", "Activation functions",
        look_at="Too large a step pushes many ReLU neurons to z < 0 on every point: their "
                "output and their gradient are 0 for good, and their maps turn flat. Count "
                "the flat neurons.",
        formula="ReLU: g(z) = max(0, z), g′(z) = 0 for z < 0 ;  leaky: g(z) = max(αz, z), "
                "g′(z) = α for z < 0",
        try_next="Show me switches to leaky ReLU (α = 0.1, the course's): no neuron dies, as "
                 "its gradient is never 0. Or keep ReLU and lower the learning rate.",
        changes={"dataset": "circle", "noise": 0.0,
                 "layers": _layers(8, 8, 8, activation="relu", init="he_normal"),
                 "leaky_slope": 0.1, "optimizer": "sgd", "learning_rate": 2.0,
                 "batch_size": 20},
        show_me={"layers": _layers(8, 8, 8, activation="leaky_relu", init="he_normal")},
    ),
    # ---- initialization --------------------------------------------------------------------
    Lesson(
        "zeros_init", "All-zeros initialization", "Initialization",
        look_at="Every weight starts at 0, so every neuron of a layer computes the same thing "
                "and receives the same gradient: they stay identical however long you train. "
                "Look at the neuron maps of a layer: all the same.",
        formula="W = 0 ⇒ aⱼ = g(bⱼ) for every j ⇒ ∂L/∂Wᵢⱼ equal for every j : "
                "the symmetry never breaks",
        try_next="Show me starts from Glorot's random weights: the symmetry is broken and the "
                 "circle is learnt.",
        changes={"dataset": "circle", "noise": 0.0,
                 "layers": _layers(4, 4, activation="sigmoid", init="zeros"),
                 "output_init": "zeros", "optimizer": "sgd", "learning_rate": 0.5,
                 "batch_size": 10},
        show_me={"layers": _layers(4, 4, activation="sigmoid"),
                 "output_init": "glorot_uniform"},
    ),
    Lesson(
        "init_scale", "Too small, too large, and Glorot", "Initialization",
        look_at="Small random weights (N(0, 0.01²)) in five tanh layers: each layer shrinks "
                "the signal, the last layers see almost 0 and the gradients vanish; the loss "
                "sits at ln 2 ≈ 0.69.",
        formula="Var(aₗ) ≈ n·Var(W)·Var(aₗ₋₁) ;  Glorot: Var(W) = 2 / (n_in + n_out) ;  "
                "He (ReLU): Var(W) = 2 / n_in",
        try_next="Show me uses Glorot: the spread of the signal is kept and the network "
                 "learns. Then set the initial scale to 3: tanh saturates at ±1.",
        changes={"dataset": "circle", "noise": 0.0,
                 "layers": _layers(16, 16, 16, 16, 16, init="random_normal"),
                 "init_scale": 0.01, "optimizer": "sgd", "learning_rate": 0.1,
                 "batch_size": 10},
        show_me={"layers": _layers(16, 16, 16, 16, 16)},
    ),
    Lesson(
        "he_relu", "He initialization for ReLU", "Initialization",
        look_at="Eight ReLU layers started with Glorot's weights: ReLU zeroes half of each "
                "layer's input, so the signal halves in variance at every layer and the last "
                "layers start almost silent.",
        formula="ReLU keeps half the variance: Var(aₗ) ≈ ½·n_in·Var(W)·Var(aₗ₋₁) ⇒ He: "
                "Var(W) = 2 / n_in",
        try_next="Show me switches to He initialization: the signal keeps its size down the "
                 "network. Then try tanh layers, for which Glorot is the right choice.",
        changes={"dataset": "circle", "noise": 0.0,
                 "layers": _layers(*[32] * 8, activation="relu"),
                 "optimizer": "sgd", "learning_rate": 0.03, "batch_size": 10},
        show_me={"layers": _layers(*[32] * 8, activation="relu", init="he_normal")},
    ),
    # ---- data --------------------------------------------------------------------------------
    Lesson(
        "normalize_data", "Normalize the data", "Data normalization",
        look_at="Raw inputs: X₁² and X₂² reach 36 where X₁ and X₂ stay within ±6, so the "
                "loss is steep along their weights and this learning rate, fine for the "
                "small inputs, throws the weights off: the run diverges.",
        formula="x′ = (x − μ) / σ , μ and σ of the training set, per feature",
        try_next="Show me standardizes every input (Normalize): the same learning rate "
                 "converges. Then lower η until the raw inputs converge too, and compare the "
                 "speed.",
        changes={"dataset": "reg_plane", "noise": 0.0, "features": ("x1", "x2", "x1^2", "x2^2"),
                 "normalize": False, "layers": (), "output_activation": "linear",
                 "loss": "mse", "optimizer": "sgd", "learning_rate": 0.01, "batch_size": 10,
                 "log_loss": True},
        show_me={"normalize": True},
    ),
    Lesson(
        "batch_norm_sigmoid", "Batch norm on a deep sigmoid network", "Batch normalization",
        look_at="Three sigmoid layers, plain SGD: σ′(z) ≤ 1/4 at every layer, so the loss sits "
                "at ln 2 ≈ 0.69. Show me adds batch norm after each layer (the BN bands): "
                "zero-mean, unit-variance activations, and the same network learns.",
        formula="x̂ = (x − μ_B) / √(σ²_B + ε) ,  y = γx̂ + β ;  test: running μ, σ²",
        try_next="Turn batch norm off in one layer at a time: which layers need it? Then "
                 "change its momentum and compare the training and test curves.",
        changes={"dataset": "xor", "noise": 0.0,
                 "layers": _layers(8, 8, 8, activation="sigmoid"),
                 "optimizer": "sgd", "learning_rate": 0.1, "batch_size": 10},
        show_me={"layers": tuple(layer for dense in _layers(8, 8, 8, activation="sigmoid")
                                 for layer in (dense, Layer.batch_norm()))},
    ),
    # ---- first-order optimization --------------------------------------------------------------
    Lesson(
        "learning_rate", "Learning rate: too small, too large, right", "Learning rate",
        look_at="Linear regression on the plane is a quadratic bowl: gradient descent "
                "converges for η < 2/λmax and diverges above. Here η is tiny and the loss "
                "crawls.",
        formula="w ← w − η∇L ;  on a quadratic, stable iff η < 2 / λmax(∇²L)",
        try_next="Show me sets η = 1.2, above 2/λmax ≈ 0.89: the loss explodes. Then try "
                 "0.3, and 0.85 (just below the limit: it oscillates but converges).",
        changes={"dataset": "reg_plane", "noise": 0.0, "layers": (),
                 "output_activation": "linear", "loss": "mse", "optimizer": "sgd",
                 "learning_rate": 0.001, "batch_size": 200, "steps_per_frame": 1,
                 "log_loss": True},
        show_me={"learning_rate": 1.2},
    ),
    Lesson(
        "batch_size", "SGD, mini-batch, full batch", "Gradient descent",
        look_at="One example per update (SGD): many cheap, noisy updates per epoch; the loss "
                "curve jitters but falls fast per epoch. The full batch makes one exact, "
                "smooth update per epoch.",
        formula="w ← w − η · (1/B) Σᵢ∈batch ∇Lᵢ(w) ;  B = 1: SGD, B = n: full batch",
        try_next="Show me uses the whole training set per update: a smooth curve, but 200 "
                 "times fewer updates per epoch. Try B = 10 in between.",
        changes={"dataset": "moons", "noise": 0.1, "layers": _layers(8),
                 "optimizer": "sgd", "learning_rate": 0.05, "batch_size": 1,
                 "steps_per_frame": 20},
        show_me={"batch_size": 200},
    ),
    Lesson(
        "momentum_valley", "Momentum and Nesterov in a long valley", "Momentum",
        look_at="Raw inputs X₁, X₂, X₁² make the loss a long, narrow valley (condition "
                "number in the hundreds): plain gradient descent zig-zags across it and "
                "crawls along it.",
        formula="v ← ρv + ∇L ;  w ← w − ηv   (Nesterov: gradient at the look-ahead w − ηρv)",
        try_next="Show me adds momentum ρ = 0.9: the velocity builds up along the valley. "
                 "Then try Nesterov.",
        changes={"dataset": "reg_plane", "noise": 0.0, "features": ("x1", "x2", "x1^2"),
                 "normalize": False, "layers": (), "output_activation": "linear",
                 "loss": "mse", "optimizer": "sgd", "learning_rate": 0.002,
                 "batch_size": 200, "steps_per_frame": 1, "log_loss": True},
        show_me={"optimizer": "momentum", "learning_rate": 0.002,
                 "optimizer_params": {"momentum": 0.9}},
    ),
    Lesson(
        "adagrad_rmsprop", "AdaGrad's fading steps against RMSProp", "Adaptive methods",
        look_at="AdaGrad divides by the root of all past squared gradients: the sum only "
                "grows, so its steps fade and learning stalls long before the end.",
        formula="AdaGrad: s ← s + g² ;  RMSProp: s ← ρs + (1 − ρ)g² ;  w ← w − η·g / (√s + ε)",
        try_next="Show me switches to RMSProp, which forgets old gradients: its steps keep "
                 "their size and it goes on learning.",
        changes={"dataset": "spiral", "noise": 0.0, "layers": _layers(12, 12),
                 "optimizer": "adagrad", "learning_rate": 0.01, "batch_size": 10},
        show_me={"optimizer": "rmsprop", "learning_rate": 0.01},
    ),
    Lesson(
        "adam_bias", "Adam with and without bias correction", "Adaptive methods",
        look_at="Both moments start at 0. Without correction the first step is "
                "η(1 − β₁)/√(1 − β₂) ≈ 3.2η per weight instead of η, and about 6.5η around "
                "step 10.",
        formula="m ← β₁m + (1 − β₁)g ; v ← β₂v + (1 − β₂)g² ; "
                "m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ) ; "
                "w ← w − η·m̂/(√v̂ + ε)",
        try_next="Show me turns the bias correction off (the course's 'Adam (almost)'): the "
                 "first steps are larger. Raise η to 0.05 and compare the first frames.",
        changes={"dataset": "moons", "noise": 0.1, "layers": _layers(8, 8),
                 "optimizer": "adam", "learning_rate": 0.01, "batch_size": 200,
                 "optimizer_params": {"bias_correction": True}, "steps_per_frame": 1},
        show_me={"optimizer_params": {"bias_correction": False}},
    ),
    Lesson(
        "lr_decay", "Learning-rate decay", "Learning rate",
        look_at="Overlapping clouds, one example per update: with a constant η the noise of "
                "the updates keeps the weights jumping round the minimum. The linear decay "
                "(the notes' recipe) shrinks η to 1% and lets them settle.",
        formula="step: η₀·½^⌊epoch/k⌋ ; exp: η₀e^(−kt) ; 1/t: η₀/(1 + kt) ; linear: "
                "(1 − α)η₀ + αη_τ, α = t/τ",
        try_next="Show me keeps η constant: the loss stays noisy and higher. Try the step, "
                 "exponential and 1/t schedules and watch the learning-rate curve.",
        changes={"dataset": "gauss", "noise": 0.4, "layers": (),
                 "optimizer": "sgd", "learning_rate": 1.0, "batch_size": 1,
                 "schedule": "linear",
                 "schedule_params": {"decay_steps": 4000.0, "end_fraction": 0.01},
                 "steps_per_frame": 50},
        show_me={"schedule": "constant"},
    ),
    Lesson(
        "second_order", "Newton, L-BFGS and conjugate gradient", "Second-order methods",
        look_at="A small convex problem on the full batch: Newton uses the curvature and "
                "lands on the minimum in a handful of iterations; gradient descent is still "
                "far from it after 30.",
        formula="Newton: w ← w − H⁻¹∇L ;  L-BFGS: H⁻¹ from the last m pairs (s, y) ;  "
                "CG: dₖ = −gₖ + βₖdₖ₋₁",
        try_next="Show me switches to L-BFGS; then try conjugate gradient, and SGD for "
                 "comparison.",
        changes={"dataset": "circle", "noise": 0.1, "features": ("x1", "x2", "x1^2", "x2^2"),
                 "layers": (), "optimizer": "newton", "learning_rate": 1.0,
                 "batch_size": 200, "l2": 0.001, "steps_per_frame": 1, "log_loss": True},
        show_me={"optimizer": "lbfgs", "learning_rate": 1.0},
    ),
    Lesson(
        "exploding_clip", "Exploding gradients and clipping", "Gradient problems",
        look_at="Six ReLU layers with large random weights (N(0, 1)): each layer multiplies "
                "the signal, the first gradients are enormous and within a few updates the "
                "weights are thrown to infinity.",
        formula="clip: if ‖g‖ > c then g ← c · g / ‖g‖",
        try_next="Show me clips the gradient's norm to 1: the same network trains. Then "
                 "try He initialization without clipping.",
        changes={"dataset": "reg_gauss", "noise": 0.0,
                 "layers": _layers(16, 16, 16, 16, 16, 16, activation="relu",
                                   init="random_normal"),
                 "init_scale": 1.0, "output_init": "random_normal",
                 "output_activation": "linear", "loss": "mse", "optimizer": "sgd",
                 "learning_rate": 0.01, "batch_size": 10},
        show_me={"clip_norm": 1.0},
    ),
    # ---- regularization ------------------------------------------------------------------
    Lesson(
        "overfit_l2", "Overfitting and L2", "Regularization",
        look_at="Few noisy points and many neurons: the training loss keeps falling while "
                "the test loss reaches a minimum and climbs again. Early stopping would stop "
                "at that minimum.",
        formula="L = L_data + (λ/2)‖w‖² ;  ∇: g + λw (weight decay)",
        try_next="Show me adds L2 (λ = 0.01): the weights stay small and the test loss "
                 "stays low. Try Stop at test loss.",
        changes={"dataset": "circle", "noise": 0.35, "n_points": 80, "train_ratio": 0.5,
                 "layers": _layers(32, 32, activation="relu", init="he_normal"),
                 "optimizer": "adam", "learning_rate": 0.01, "batch_size": 10,
                 "steps_per_frame": 20},
        show_me={"l2": 0.01},
    ),
    Lesson(
        "l1_sparsity", "L1 makes weights zero", "Regularization",
        look_at="L1 pulls every weight towards 0 by the same amount: the weights the data "
                "does not need end at 0 (about half of these 64, within 0.001) and their "
                "links vanish from the network view.",
        formula="L = L_data + λ‖w‖₁ ;  ∇: g + λ·sign(w)",
        try_next="Show me turns L1 off: every link stays. Compare L2, which shrinks the "
                 "weights but leaves them non-zero.",
        changes={"dataset": "gauss", "noise": 0.1, "features": ("x1", "x2", "x1^2", "x2^2",
                                                               "x1*x2", "sin x1", "sin x2"),
                 "layers": _layers(8), "optimizer": "sgd", "learning_rate": 0.03,
                 "batch_size": 10, "l1": 0.01},
        show_me={"l1": 0.0},
    ),
    Lesson(
        "dropout", "Dropout", "Regularization",
        look_at="During training each hidden neuron is dropped with probability p, so no "
                "neuron can rely on another: the gap between training and test loss is "
                "smaller than without.",
        formula="a ← a · m / (1 − p),  m ~ Bernoulli(1 − p), during training only",
        try_next="Show me trains without dropout: the training loss goes lower and the test "
                 "loss higher. Try p = 0.2.",
        changes={"dataset": "xor", "noise": 0.3, "n_points": 80,
                 "layers": _layers(64, 64, activation="relu", init="he_normal", dropout=0.5),
                 "optimizer": "adam", "learning_rate": 0.01, "batch_size": 10,
                 "steps_per_frame": 20},
        show_me={"layers": _layers(64, 64, activation="relu", init="he_normal")},
    ),
    # ---- methodology ----------------------------------------------------------------------
    Lesson(
        "tiny_first", "Fit a tiny data set first", "Debugging",
        look_at="Ten training points and a network far bigger than they need: it must reach "
                "100% and a loss near 0. If it cannot, the bug is in the model or the "
                "training, not in the data.",
        formula="debugging recipe: overfit a tiny set (loss → 0), then add data and regularize",
        try_next="Show me uses 400 points: now the test accuracy tells you whether it "
                 "generalizes.",
        changes={"dataset": "spiral", "noise": 0.0, "n_points": 20, "train_ratio": 0.5,
                 "layers": _layers(16, 16), "optimizer": "adam", "learning_rate": 0.03,
                 "batch_size": 10},
        show_me={"n_points": 400},
    ),
) + IMAGE_LESSONS          # the conv-net lessons come last, as in the course
