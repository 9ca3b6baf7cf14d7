"""Training with a learning rate of its own for each parameter: lr_i = lr * scale_i.

Transfer learning fine-tunes copied layers slowly (scale 0.1) and a new output layer at the full
rate (scale 1); a frozen layer has scale 0. PyTorch does this with parameter groups, one ``lr``
per group.

Why scaling each parameter's step is exact, optimizer by optimizer (``engine.optimizers``): the
update of every first-order method is lr times a direction that does not depend on lr,

    SGD       x <- x - lr g                         RMSProp  x <- x - lr g / (sqrt(c) + eps)
    momentum  x <- x - lr v,  v <- rho v + g        AdaGrad  x <- x - lr g / (sqrt(c) + eps)
    Adam      x <- x - lr m^ / (sqrt(v^) + eps)     AdaDelta x <- x + lr dx
    decoupled weight decay  x <- x - lr decay x (applied with the update: scaled with it)

and their slots (v, c, m, E[g^2], E[dx^2]) never see lr. Nesterov's change-of-variables form keeps
v' = rho v - lr g: with lr * s every v is s times larger and so is every step, which is what
multiplying the step by s gives with the unscaled v. So one step here is

    x_old = x;  (decay and update with the base lr);  x <- x_old + s * (x - x_old)

then the max-norm constraint; a parameter with s = 1 keeps the unscaled update as it came
(x_old + 1 * (x - x_old) need not round to x), so its numbers are an unscaled run's.
``engine.layer_kernels.train_steps`` takes these factors as its ``rate`` argument (a 0/1 rate
is the frozen mask alone). Parameters with s = 0 never move and, as frozen ones do there, give
no gradient to the regularisers and the clipping norm; their optimizer slots stand still.
Everything else (batches, dropout, augmentation, counters, the split of a large batch over
threads, ``engine.batch_split``) is the ordinary training loop's: the same run for the same
seed, however it is chunked.
"""
