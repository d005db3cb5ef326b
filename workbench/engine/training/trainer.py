"""The training loop, one for every kind of model a spec describes: language models over token
streams and lines, classifiers, taggers, forecasters, translators, captioners and handwriting.

The loop knows the model through its spec and ``model.batch_loss(batch, state, device)``. It
carries the hidden state across contiguous batches (truncated backpropagation through time),
keeps a copy of the last sound state and goes back to it when the run diverges, and tells the
world what happens through a sink of typed events, its step metrics throttled here at the source
(``step_metrics``). Validation (``validation``), probes and samples (``between_steps``) run on
this same thread between steps, probes and samples within a share of training time
(``budget_clock``). Under torchrun it trains one run with the other processes of its group
(``distributed``): rank 0 alone validates, looks inside, samples and runs the callbacks.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import replace

import torch
from torch import nn

from ..common.errors import WorkbenchError
from ..events import (
    ProbeSnapshot,
    RunFailed,
    RunFinished,
    RunPaused,
    RunStarted,
    SampleGenerated,
    Sink,
    StepMetrics,
    TaskProgress,
    ValidationResult,
    discard,
)
from ..inference.sampling_options import SamplingOptions
from ..model.sequence_models import count_parameters
from .best_weights import BestKeeper, BestWeights, ValidationScope
from .between_steps import probe_snapshot, seeded_sample
from .budget_clock import BudgetClock
from .callbacks import Callback
from .config import TrainConfig
from .control import TrainerControl
from .device import describe_device, resolve_device
from .distributed import DataParallel
from .divergence import (
    SOUND_BUDGET,
    SOUND_EVERY,
    Diverged,
    LossWatch,
    SoundState,
    finite_norm,
    optimizer_tensors,
    weight_norm,
    weights_diverged,
)
from .history import RunHistory
from .memory_need import check_fits
from .optimizers import learning_rate_at, make_optimizer
from .run_end import EARLY_STOPS, EarlyStop, RunOutcome, why_stopped
from .run_metrics import throughput_counts
from .step_metrics import LayerGradients, StepMeter
from .validation import Progress, run_end_batches, score_validation, split_batches


class Trainer:
    """Owns the model on its device, the optimizer, the data position and the run history."""

    def __init__(
        self,
        model: nn.Module,
        corpus,
        config: TrainConfig,
        sink: Sink = discard,
        callbacks: list[Callback] | None = None,
        history: RunHistory | None = None,
        control: TrainerControl | None = None,
        best: BestWeights | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config.check()
        self.device = resolve_device(config.device)
        self.model = model.to(self.device)
        self.job = DataParallel.of(self.model)  # this process alone, or its part of a torchrun group
        self.corpus = corpus
        self.sink = sink
        self.callbacks = list(callbacks or [])
        self.control = control or TrainerControl()
        self.optimizer = make_optimizer(self.model.parameters(), config)
        self.amp = config.amp and self.device.type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp)
        corpus.check_fits(config.batch_size, config.seq_len)
        self.train_batches = corpus.batcher("train", config.batch_size, config.seq_len, config.seed)
        self.step = 0
        self.hidden = None  # state carried to the next contiguous batch
        self.history = history or RunHistory("run-001")
        self.latest_probe: ProbeSnapshot | None = None
        self.samples: list[SampleGenerated] = []
        self._layers = LayerGradients(self.model)
        self._parameters = self._layers.parameters
        self._probe_clock = BudgetClock()
        self._sample_clock = BudgetClock()
        self._sound_clock = BudgetClock()
        self._sound: SoundState | None = None  # the state to go back to when the run diverges
        self._loss_watch = LossWatch(self.history.losses)
        self._target = 0  # the step the run under way ends at
        self.last_whole_validation: ValidationResult | None = None  # the latest of the whole split, recorded
        self.best_keeper = BestKeeper(best)
        self.clock = clock  # times a run's max_minutes

    def reconfigure(self, config: TrainConfig) -> None:
        """New settings between runs. The schedule and clipping are read every step; a new
        optimizer kind, momentum or weight decay starts a fresh optimizer (its moments are lost);
        a new batch shape or seed takes effect from the next epoch."""
        old, self.config = self.config, config.check()
        self.last_whole_validation = None  # its batches were another shape
        if config.device != old.device:
            raise WorkbenchError("the device cannot change once the project has trained on one")
        if (config.optimizer, config.momentum, config.weight_decay) != (old.optimizer, old.momentum, old.weight_decay):
            self.optimizer = make_optimizer(self.model.parameters(), config)
            self._sound = None  # its optimizer state was another optimizer's
        if (config.batch_size, config.seq_len, config.seed) != (old.batch_size, old.seq_len, old.seed):
            self.renew_batches()

    def renew_batches(self) -> None:
        """Batches made anew (new settings, or new training data), from the start of the next
        epoch: this epoch's order was drawn for the old ones."""
        config = self.config
        epoch = self.train_batches.state()["epoch"] + 1
        self.train_batches = self.corpus.batcher("train", config.batch_size, config.seq_len, config.seed)
        self.train_batches.restore({"epoch": epoch, "cursor": 0})
        self.hidden = None
        self._sound = None  # its data position was in the old batches

    # -- the loop -----------------------------------------------------------------------

    def run(self, steps: int) -> RunOutcome:
        """Train ``steps`` more steps, or until stopped or its settings end it (``run_end``);
        never raises for a diverging loss.

        Refused (SpecError) before the first step when the model will not train in the memory
        free: a project that opens and samples on a small machine may still need far more to
        train (gradients, optimizer state, activations).
        """
        check_fits(self.model.spec, self.config, self.device)
        started_step, target = self.step, self.step + steps
        self._target = target
        self.control.clear_stop()
        self.job.start_run()
        self.best_keeper.start_run()
        early = EarlyStop(self.clock)
        started = time.perf_counter()
        self.history.meta.update(processes=self.job.size, device=self.device.type)  # how it was trained
        self._emit(
            RunStarted(
                run=self.history.name,
                step=self.step,
                target_step=target,
                device=self.device.type,
                device_name=describe_device(self.device),
                parameters=count_parameters(self.model),
                model=self.model.spec.describe(),
                counts=self.counts,
                processes=self.job.size,
            )
        )
        meter = StepMeter(self.config.metrics_interval_s)
        # Once per run, not per step: probes, validation and sampling restore the mode they change.
        self.model.train()
        reason, message = "completed", ""
        while self.step < target:
            early.paused_for(lambda: self.job.hold_while_paused(self.control, self._told_paused))
            self.control.serve_requests()
            if self.job.stop_asked(self.control):
                reason = "stopped"
                break
            try:
                self._guarded_step(meter)
            except Diverged as error:
                reason, message = "failed", self._fall_back(error)
                self._emit(RunFailed(self.step, message))
                break
            self._after_step()
            stop = early.reason(self.config, self.best_keeper.without_improvement)
            stopped, stop = self.job.agree_after_step(self.control, stop)  # a group's, all alike
            if stopped or (stop and self.step < target):
                reason, message = ("stopped", "") if stopped else (stop, why_stopped(stop, self.config))
                break
        settled = self.settle() if reason != "failed" else ""  # the last weights have had no loss to judge them
        if settled:
            reason, message = "failed", settled
            self._emit(RunFailed(self.step, message))
        judged = reason in ("completed", *EARLY_STOPS) and self.step > started_step  # `evaluate` scores a stopped run
        if judged and self.job.leads:
            self.final_validation()
        outcome = RunOutcome(reason, self.step, message)
        elapsed = time.perf_counter() - started
        self.history.add_wall_time(self.clock() - early.started)  # the time limit's clock: pauses left out
        if outcome.reason != "failed":
            kept = self.best.step if self.best is not None else None
            self._emit(RunFinished(self.step, outcome.reason, elapsed, kept))
        for callback in self.callbacks:
            callback.on_run_end(self, outcome)
        return outcome

    def _guarded_step(self, meter: StepMeter) -> None:
        """One training step, with a copy of the state taken before it when there is none and
        after it now and then; raises Diverged."""
        if self._sound is None:
            self._keep_sound_state()
        step_started = time.perf_counter()
        self._train_one_step(meter)
        trained_s = time.perf_counter() - step_started
        for clock in (self._probe_clock, self._sample_clock, self._sound_clock):
            clock.trained(trained_s)
        budget = SOUND_BUDGET if self.job.solo else 0  # a group's ranks copy alike: by steps, not their own time
        if self._sound_clock.due(self.step, SOUND_EVERY, budget):
            self._keep_sound_state()

    def _train_one_step(self, meter: StepMeter) -> None:
        batch = self.train_batches.next_batch()
        rows = self.job.rows(batch, self.hidden if batch.continues else None)  # this rank's rows and their state
        lr = learning_rate_at(self.step, self.config)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        autocast = torch.autocast("cuda", dtype=torch.float16) if self.amp else nullcontext()
        with autocast:
            loss, state = self.job.batch_loss(rows, self.device)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(self.job.weighted(loss, rows)).backward()
        self.scaler.unscale_(self.optimizer)
        loss_value, report = self.job.agree_on_step(loss, rows, meter.due())  # the global batch's
        layer_norms = self._layers.norms() if report else None
        clip = self.config.grad_clip if self.config.grad_clip > 0 else math.inf
        grad_norm = float(nn.utils.clip_grad_norm_(self._parameters, clip))
        if not math.isfinite(loss_value):
            raise Diverged(f"the loss became {loss_value} at step {self.step + 1:,}")
        if not self.amp and not math.isfinite(grad_norm):
            raise Diverged(f"the gradient norm became {grad_norm} at step {self.step + 1:,}")
        if self._loss_watch.observe(loss_value):
            raise self._loss_watch.diverged(loss_value, self.step + 1)
        if report:
            exploded = weights_diverged(weight_norm(self._parameters), self._sound, self.step)
            if exploded:
                raise exploded
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.hidden = self.job.carried_state(state, rows)
        self.step += 1
        self.history.record_step(self.step, loss_value, lr)
        meter.add(loss_value, batch.tokens)
        if report:
            event = StepMetrics(
                step=self.step,
                loss=meter.mean_loss(),
                learning_rate=lr,
                tokens_per_s=meter.rate(),
                grad_norm=grad_norm,
                layer_names=self._layers.names,
                layer_grad_norms=layer_norms,
            )
            meter.reset()
            self.history.record_metrics(event)
            self._emit(event)

    def _after_step(self) -> None:
        if not self.job.leads:
            return
        config = self.config
        if config.val_every and self.step % config.val_every == 0 and self.step < self._target:
            self.validate()  # not at the run's last step: the whole split is scored then
        spec = self.model.spec
        if (
            self.looks_inside
            and config.probe_every
            and self._probe_clock.due(self.step, config.probe_every, config.probe_budget)
        ):
            self.probe()
        if (
            spec.generates_text
            and config.sample_every
            and self._sample_clock.due(self.step, config.sample_every, config.sample_budget)
        ):
            with self._sample_clock.timing(self.step):
                self.sample(SamplingOptions(length=config.sample_length, temperature=config.sample_temperature))
        for callback in self.callbacks:
            callback.on_step_end(self)

    # -- divergence: the last sound state -----------------------------------------------

    def _sound_weight_norm(self) -> float | None:
        """The weights' norm when the state now is sound: weights and optimizer state finite,
        the weights' norm not exploded since the last sound state, no exploding loss."""
        norm = weight_norm(self._parameters)
        if self._loss_watch.streak or weights_diverged(norm, self._sound, self.step):
            return None
        return norm if finite_norm(optimizer_tensors(self.optimizer)) else None

    def _keep_sound_state(self) -> None:
        """The state now becomes the one to go back to, if it is sound."""
        with self._sound_clock.timing(self.step):
            norm = self._sound_weight_norm()
            if norm is not None:
                self._sound = SoundState.capture(self, norm)

    def settle(self) -> str:
        """Before the state is kept (the run's end, a save): weights that are not finite, or whose
        norm exploded, go back to the last sound state; says so, or "" when they were sound."""
        exploded = weights_diverged(weight_norm(self._parameters), self._sound, self.step)
        return self._fall_back(exploded) if exploded else ""

    def _fall_back(self, error: Diverged) -> str:
        """Go back to the last sound state, unless the state now is sound (a non-finite loss the
        weights did not cause); the run's history, samples and probe are cut back with it."""
        advice = "try a lower learning rate" + (" or gradient clipping" if not self.config.grad_clip else "")
        if self._sound_weight_norm() is not None:
            return f"{error}; training stopped and the weights are those after step {self.step:,} — {advice}"
        if self._sound is None:
            return f"{error}; training stopped with no sound weights to go back to — rebuild the model and {advice}"
        self._sound.restore(self)
        self.last_whole_validation = None  # the steps after it will be trained anew
        self.history.truncate(self.step)
        self.best_keeper.forget_after(self.step)
        self._loss_watch = LossWatch(self.history.losses)
        self.samples = [sample for sample in self.samples if sample.step <= self.step]
        if self.latest_probe is not None and self.latest_probe.step > self.step:
            self.latest_probe = None
        return f"{error}; training stopped and the weights are back to those after step {self.step:,} — {advice}"

    @property
    def counts(self) -> str:
        """What a batch's ``tokens`` count, so the throughput's unit (``run_metrics.throughput_counts``)."""
        return throughput_counts(self.model.spec, self.corpus)

    @property
    def looks_inside(self) -> bool:
        """Whether probes can run: one recurrent stack (no decoder, not Graves' networks) and data
        with a probe example."""
        spec = self.model.spec
        return not (spec.is_seq2seq or spec.writes_with_pen) and hasattr(self.corpus, "probe_example")

    def _emit(self, event) -> None:
        self.sink(event)

    def _told_paused(self, paused: bool) -> None:
        self._emit(RunPaused(self.step, paused))

    # -- looking inside, between steps --------------------------------------------------

    def validate(
        self,
        whole: bool = False,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] = lambda: False,
        limit: int = 0,
    ) -> ValidationResult | None:
        """``evaluate``, recorded in the run's history and told to the world; nothing is
        recorded when not one batch was scored (cancelled at once)."""
        result = self.evaluate(whole, progress, cancelled, limit=limit)
        if not result.batches:
            return None
        self.history.record_validation(result)
        if result.whole:
            self.last_whole_validation = result
        if not result.cut_short:  # one cut short scored a part of the split no other scores
            self._compare_with_best(result)
        if self.best is not None:  # told with the best it leaves kept
            result = replace(result, best_step=self.best.step, best_loss=self.best.val_loss)
        self._emit(result)
        return result

    def _compare_with_best(self, result: ValidationResult) -> None:
        """The best weights are compared in the periodic validations' scope (``best_weights``):
        a whole validation where those are quick is scored on their sample too."""
        scope = ValidationScope.of(self.config, result.of_batches)
        best = self.best_keeper.best
        if best is not None and best.scope != scope:  # settings changed: score the best as things are now
            kept = copy.deepcopy(self.model)
            kept.load_state_dict(best.weights)
            rescored = score_validation(kept, self.corpus, self.config, self.device, best.step, not scope.batches)
            self.best_keeper.rescoped(rescored.loss, scope)
        loss = self.evaluate().loss if scope.batches and result.batches != scope.batches else result.loss
        self.best_keeper.consider(self.model, self.step, loss, scope)

    @property
    def best(self) -> BestWeights | None:
        """The weights after the lowest validation loss of the scope compared, or None."""
        return self.best_keeper.best

    def evaluate(
        self,
        whole: bool = False,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] = lambda: False,
        observe: Callable | None = None,
        limit: int = 0,
    ) -> ValidationResult:
        """The validation pass at this step (``validation.score_validation``), neither recorded nor told."""
        return score_validation(
            self.model, self.corpus, self.config, self.device, self.step, whole, progress, cancelled, observe, limit
        )

    def final_validation(self) -> ValidationResult | None:
        """The validation at the end of a run, the scores the run is judged by: the whole split,
        or at real size as much of it as ``run_end_batches`` allows. Pause holds it; Stop (or
        the window closing) ends it early, and the result then says it was cut short."""
        split = split_batches(self.corpus, self.config)
        limit = run_end_batches(self.config, split)
        what = (
            "the whole validation split" if limit >= split else f"{limit:,} of the validation split's {split:,} batches"
        )

        def told(done: int, total: int) -> None:
            self._emit(TaskProgress(f"Validating on {what}", done, total, unit="batches"))

        return self.validate(True, told, self._validation_cancelled, limit)

    def _validation_cancelled(self) -> bool:
        self.control.wait_while_paused()
        return self.control.stop_requested

    def probe(self) -> ProbeSnapshot:
        """Gates, states and gradient through time on the corpus's fixed probe text."""
        with self._probe_clock.timing(self.step):
            snapshot = probe_snapshot(self.model, self.corpus, self.config, self.device, self.step)
            self.latest_probe = snapshot
            self._emit(snapshot)
        return snapshot

    def sample(self, options: SamplingOptions) -> SampleGenerated:
        """Write a sample; its random stream is seeded from the step, not the training RNG."""
        event = seeded_sample(self.model, self.corpus, self.config, self.step, options)
        self.samples = (self.samples + [event])[-20:]
        self._emit(event)
        return event
