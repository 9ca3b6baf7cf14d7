"""The schedule-start rule: a schedule chosen or changed while a run is under way starts from
that step.

Choosing cosine decay at step 65,000 must not set the rate to the end of a 2,500-step curve at
once (which froze training): the schedule counts from the step where the change reaches the
trainer, so the next update uses its first rate (the base rate). A new base learning rate alone
rescales the schedule and keeps its start. The start belongs to the run, saved with it
(``Trainer.state_dict()["schedule_start"]``, the file's ``run``); a fresh or reset network
starts its schedule at step 0, as does a file saved before starts were kept. Headless runs and
the PyTorch export take the start from the run.
"""


def restarts_schedule(old, new) -> bool:
    """Whether going from TrainConfig ``old`` to ``new`` restarts the schedule: another
    schedule, or other schedule settings. A first config (``old`` None) starts at the run's
    step as it is."""
    return old is not None and (old.schedule, dict(old.schedule_params)) != \
        (new.schedule, dict(new.schedule_params))


def apply_config(trainer, config) -> bool:
    """Give ``trainer`` its new TrainConfig, restarting the schedule at its current step when
    ``restarts_schedule`` says so; True when it restarted."""
    restart = restarts_schedule(trainer.config, config)
    trainer.set_config(config)
    if restart:
        trainer.restart_schedule()
    return restart
