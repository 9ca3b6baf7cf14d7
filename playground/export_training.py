"""The second half of the exported PyTorch script's text (``playground.export_template``):
the course's optimizers, their state, the learning-rate schedule and the training loop, which
continue the model half's text exactly (``SCRIPT`` is the two joined)."""

TRAINING = r'''class CourseAdam(torch.optim.Optimizer):
    """Adam without bias correction (the course's "Adam, almost")."""

    def __init__(self, params, lr, beta1, beta2, eps):
        super().__init__(params, dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                if not state:
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m.mul_(group["beta1"]).add_(p.grad, alpha=1 - group["beta1"])
                v.mul_(group["beta2"]).addcmul_(p.grad, p.grad, value=1 - group["beta2"])
                p.sub_(group["lr"] * m / (v.sqrt() + group["eps"]))


def parameter_groups(model):
    """One group per layer that trains, with its learning-rate factor ``lr_scale`` (a frozen
    layer's parameters are in none)."""
    groups = []
    for i, layer in parameter_layers(model):
        params = [p for p in layer.parameters() if p.requires_grad]
        if params:
            groups.append({"params": params, "lr_scale": LAYERS[i].get("lr_scale", 1.0)})
    return groups


def make_optimizer(model):
    """The playground's optimizer with its hyperparameters, as a torch optimizer."""
    p, lr, o = parameter_groups(model), LEARNING_RATE, OPTIMIZER_PARAMS
    if OPTIMIZER == "sgd":
        return torch.optim.SGD(p, lr=lr)
    if OPTIMIZER in ("momentum", "nesterov"):
        return torch.optim.SGD(p, lr=lr, momentum=o["momentum"], nesterov=OPTIMIZER == "nesterov")
    if OPTIMIZER == "adagrad":
        return torch.optim.Adagrad(p, lr=lr, eps=o["eps"])
    if OPTIMIZER == "adadelta":
        return torch.optim.Adadelta(p, lr=lr, rho=o["rho"], eps=o["eps"])
    if OPTIMIZER == "rmsprop":
        return torch.optim.RMSprop(p, lr=lr, alpha=o["rho"], eps=o["eps"])
    if OPTIMIZER == "adam":     # with WEIGHT_DECAY, train_step makes it AdamW
        if not o["bias_correction"]:
            return CourseAdam(p, lr, o["beta1"], o["beta2"], o["eps"])
        return torch.optim.Adam(p, lr=lr, betas=(o["beta1"], o["beta2"]), eps=o["eps"])
    # Newton, L-BFGS and nonlinear CG train on the full batch; PyTorch offers L-BFGS (with
    # one group of parameters only).
    p = [q for group in p for q in group["params"]]
    return torch.optim.LBFGS(p, lr=1.0, max_iter=1, history_size=int(o.get("history", 10)),
                             line_search_fn="strong_wolfe")


SLOT_NAMES = {"momentum": ["momentum_buffer"], "adagrad": ["sum"],
              "adadelta": ["square_avg", "acc_delta"], "rmsprop": ["square_avg"],
              "adam": ["exp_avg", "exp_avg_sq"]}


def load_optimizer_state(model, optimizer, path=WEIGHTS):
    """Give the torch optimizer the playground's running averages, so training continues as
    if it had never stopped (Nesterov's velocity is stored differently and starts afresh)."""
    arrays = np.load(path, allow_pickle=False)
    names = SLOT_NAMES.get(OPTIMIZER)
    if not names or "slot0.layer0.weight" not in arrays.files or OPTIMIZER_STEPS == 0:
        return
    for i, layer in parameter_layers(model):
        for param, kind in ((layer.weight, "weight"), (layer.bias, "bias")):
            if not param.requires_grad:
                continue
            state = {"step": torch.tensor(float(OPTIMIZER_STEPS))}
            for k, slot in enumerate(names):
                state[slot] = torch.from_numpy(arrays[f"slot{k}.layer{i}.{kind}"]).to(param)
            optimizer.state[param] = state


def lr_factor(step, epoch):
    """The schedule: the learning rate is LEARNING_RATE times this, for the update after
    ``step`` updates in epoch ``epoch`` (both counted from 0, as in the playground). The
    schedule counts from SCHEDULE_START / SCHEDULE_START_EPOCH (where it was last changed)."""
    s = SCHEDULE_PARAMS
    step, epoch = max(step - SCHEDULE_START, 0), max(epoch - SCHEDULE_START_EPOCH, 0)
    if SCHEDULE == "step":
        return s["factor"] ** (epoch // int(s["every_epochs"]))
    if SCHEDULE == "exponential":
        return math.exp(-s["k"] * step)
    if SCHEDULE == "inverse_time":
        return 1.0 / (1.0 + s["k"] * step)
    if SCHEDULE == "linear":
        a = min(float(step), s["decay_steps"]) / s["decay_steps"]
        return (1.0 - a) + a * s["end_fraction"]
    if SCHEDULE == "cosine":
        t = min(float(step), s["decay_steps"]) / s["decay_steps"]
        return s["min_fraction"] + (1.0 - s["min_fraction"]) * (1.0 + math.cos(math.pi * t)) / 2
    return 1.0


def clip_gradients(model):
    """Scale the gradient down to norm CLIP_NORM when it is longer (0: off)."""
    if CLIP_NORM <= 0:
        return
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    norm = torch.sqrt(sum((g * g).sum() for g in grads))
    if norm > CLIP_NORM:
        for g in grads:
            g.mul_(CLIP_NORM / norm)


@torch.no_grad()
def decay_weights(optimizer):
    """Decoupled weight decay (Loshchilov & Hutter), as AdamW applies it: every parameter that
    trains shrinks, p <- p - lr * WEIGHT_DECAY * p (lr: its group's learning rate), after the
    gradient is taken and before the step."""
    if WEIGHT_DECAY > 0:
        for group in optimizer.param_groups:
            for p in group["params"]:
                p.mul_(1 - group["lr"] * WEIGHT_DECAY)


@torch.no_grad()
def apply_max_norm(model):
    """Scale each neuron's incoming weights (a row of a dense weight, a whole conv filter) back
    to norm MAX_NORM when longer; frozen layers stay as they are."""
    if MAX_NORM <= 0:
        return
    for layer in weight_layers(model):
        if not layer.weight.requires_grad:
            continue
        w = layer.weight.view(layer.weight.shape[0], -1)
        norms = w.norm(dim=1, keepdim=True)
        w.mul_(torch.where(norms > MAX_NORM, MAX_NORM / norms, torch.ones_like(norms)))


def train_step(model, optimizer, x, y, step, epoch):
    """One update on the batch (x, y); returns the batch's data loss before the update.
    Weight decay and max-norm apply to first-order optimizers, as in the playground."""
    for group in optimizer.param_groups:
        group["lr"] = LEARNING_RATE * lr_factor(step, epoch) * group.get("lr_scale", 1.0)

    def closure():
        optimizer.zero_grad()
        loss = data_loss(model(x), y)
        (loss + penalty(model)).backward()
        clip_gradients(model)
        return loss

    model.train()
    if isinstance(optimizer, torch.optim.LBFGS):
        return float(optimizer.step(closure).detach())
    loss = closure()
    decay_weights(optimizer)
    optimizer.step()
    apply_max_norm(model)
    return float(loss.detach())


def evaluate(model, x, y):
    """The mean data loss in evaluation mode."""
    model.eval()
    with torch.no_grad():
        return float(data_loss(model(x), y))


def accuracy(model, x, y):
    """The fraction of rows classified right (None for a regression)."""
    model.eval()
    with torch.no_grad():
        p = output(model(x))
    if LOSS == "softmax_ce":
        return float((p.argmax(dim=1) == y.argmax(dim=1)).double().mean())
    if LOSS == "bce":
        return float(((p[:, 0] >= 0.5) == (y[:, 0] >= 0.5)).double().mean())
    return None


def augmentation_draws(n, device="cpu"):
    """Each of n training images' transform, drawn as the playground draws it: a flip with
    probability flip_probability, an angle uniform in +-rotate_degrees, whole-pixel shifts
    uniform over -shift_pixels..shift_pixels, a contrast factor in 1 +- contrast_delta and a
    brightness offset in +-brightness_delta (torch's random numbers, not the playground's)."""
    a = AUGMENTATION

    def uniform():
        return torch.rand(n, dtype=DTYPE, device=device)

    s = float(a["shift_pixels"])
    return {"flip": (uniform() < a["flip_probability"]).to(DTYPE),
            "angle": (2 * uniform() - 1) * a["rotate_degrees"],
            "dy": torch.floor(uniform() * (2 * s + 1)) - s,
            "dx": torch.floor(uniform() * (2 * s + 1)) - s,
            "contrast": 1 + (2 * uniform() - 1) * a["contrast_delta"],
            "brightness": (2 * uniform() - 1) * a["brightness_delta"]}


def augment(x, draws, noise_std=None):
    """The playground's augmentation of a batch of images x (B, C, H, W) with one transform per
    image (``augmentation_draws``): flip, rotation about the centre (counter-clockwise as seen)
    and shift in one bilinear resampling, zero outside; contrast about the image's mean;
    Gaussian noise (NOISE_STD unless given); brightness; clipped to [0, 1]."""
    b, _, h, w = x.shape
    view = (b, 1, 1)
    angle = torch.deg2rad(draws["angle"].to(x)).view(view)
    cos, sin = torch.cos(angle), torch.sin(angle)
    rows = torch.arange(h, dtype=x.dtype, device=x.device).view(1, h, 1)
    cols = torch.arange(w, dtype=x.dtype, device=x.device).view(1, 1, w)
    cy, cx = (h - 1) / 2, (w - 1) / 2
    u = (cols - draws["dx"].to(x).view(view)) - cx       # undo the shift, centre, y up
    v = cy - (rows - draws["dy"].to(x).view(view))
    sr = cy - (-sin * u + cos * v)                       # undo the rotation
    sc = cx + (cos * u + sin * v)
    sc = torch.where(draws["flip"].to(x).view(view) > 0, (w - 1) - sc, sc)
    grid = torch.stack([sc / max(w - 1, 1) * 2 - 1, sr / max(h - 1, 1) * 2 - 1], dim=-1)
    out = nn.functional.grid_sample(x, grid, mode="bilinear", padding_mode="zeros",
                                    align_corners=True)
    mean = out.mean(dim=(1, 2, 3), keepdim=True)
    out = mean + draws["contrast"].to(x).view(b, 1, 1, 1) * (out - mean)
    noise = AUGMENTATION["noise_std"] if noise_std is None else noise_std
    if noise > 0:
        out = out + noise * torch.randn_like(out)
    return (out + draws["brightness"].to(x).view(b, 1, 1, 1)).clamp(0.0, 1.0)


def train(model, optimizer, epochs, device="cpu", path=WEIGHTS, log=print):
    """Continue training for ``epochs`` epochs from START_STEP / START_EPOCH."""
    arrays = np.load(path, allow_pickle=False)
    x, y = (torch.from_numpy(arrays[k]).to(device, DTYPE) for k in ("X_train", "Y_train"))
    x_test, y_test = (torch.from_numpy(arrays[k]).to(device, DTYPE) for k in ("X_test", "Y_test"))
    full_batch = isinstance(optimizer, torch.optim.LBFGS)
    batch = len(x) if full_batch else BATCH_SIZE
    step, epoch = START_STEP, START_EPOCH
    for _ in range(epochs):
        order = torch.randperm(len(x), device=device)
        for start in range(0, len(x), batch):
            idx = order[start:start + batch]
            xb = x[idx]
            if INPUT_SHAPE is not None and any(AUGMENTATION.values()) and not full_batch:
                xb = augment(xb, augmentation_draws(len(idx), device))    # training only
            train_step(model, optimizer, xb, y[idx], step, epoch)
            step += 1
        epoch += 1
        line = f"epoch {epoch:6d}  step {step:8d}  train loss {evaluate(model, x, y):.6f}"
        if len(x_test):
            line += f"  test loss {evaluate(model, x_test, y_test):.6f}"
            if LOSS == "softmax_ce":
                line += f"  test accuracy {accuracy(model, x_test, y_test):.4f}"
        log(line)
    return model


def usable_device(name):
    """torch.device(name) when this PyTorch can compute on it; otherwise SystemExit with one
    line saying why (a CPU-only PyTorch asked for cuda, a GPU index that does not exist...)."""
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError) as error:
        raise SystemExit(f"error: --device {name}: {str(error).splitlines()[0]}") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit(f"error: --device {name}: this PyTorch ({torch.__version__}) cannot "
                         f"use a CUDA GPU here (a CPU-only build, or no GPU/driver); use "
                         f"--device cpu or install a CUDA build of PyTorch")
    try:
        torch.zeros(1, device=device)
    except (RuntimeError, AssertionError, ValueError) as error:
        message = (str(error).splitlines() or [type(error).__name__])[0].split(". ")[0]
        raise SystemExit(f"error: --device {name} cannot be used here: {message}") from None
    return device


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100, help="epochs to train (default 100)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, mps ...")
    parser.add_argument("--save", metavar="PATH", help="save the trained state_dict here")
    if INPUT_SHAPE is None:
        parser.add_argument("--predict", nargs=2, type=float, metavar=("X1", "X2"),
                            help="print the output at one point instead of training")
    parser.add_argument("--evaluate", action="store_true",
                        help="print the test loss and accuracy instead of training")
    args = parser.parse_args()
    args.device = usable_device(args.device)
    model = load_weights(build_model()).to(args.device)
    if getattr(args, "predict", None):
        print(predict(model, [args.predict])[0].tolist())
        return
    if args.evaluate:
        arrays = np.load(WEIGHTS, allow_pickle=False)
        x, y = (torch.from_numpy(arrays[k]).to(args.device, DTYPE) for k in ("X_test", "Y_test"))
        if not len(x):
            raise SystemExit("error: --evaluate: this experiment has no test data")
        print(f"test loss {evaluate(model, x, y):.6f}"
              + (f"  test accuracy {accuracy(model, x, y):.4f}" if LOSS != "mse" else ""))
        return
    optimizer = make_optimizer(model)
    load_optimizer_state(model, optimizer)
    train(model, optimizer, args.epochs, args.device)
    if args.save:
        torch.save(model.state_dict(), args.save)


if __name__ == "__main__":
    main()
'''
