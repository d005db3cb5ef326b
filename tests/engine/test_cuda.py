"""Training on a CUDA GPU: the fused cuDNN path and the probes agree, a run learns, saves and opens
on the CPU, and float16 autocast stays finite. Skipped where torch sees no CUDA GPU;
``benchmarks/gpu_check.sh`` runs them (``pytest -m cuda``)."""

from dataclasses import replace

import numpy as np
import pytest
import torch
from tiny import TINY_CONFIG, Recorder, make_project
from torch import nn

from workbench.engine.data.base import handwriting_task
from workbench.engine.data.handwriting.corpus import StrokeCorpus
from workbench.engine.data.handwriting.synthetic import synthesize_corpus
from workbench.engine.events import ProbeSnapshot
from workbench.engine.inside.probes import trace_stack
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.spec import RecurrentSpec

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]

CUDA = replace(TINY_CONFIG, device="cuda")


@pytest.fixture
def exact_float32():
    """cuDNN may do an LSTM's matrix products in TF32 (10 bits of mantissa); the probes' own
    products are float32. Comparing the two paths needs both in float32."""
    kept = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    yield
    torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = kept


def _finite(module: nn.Module) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in module.parameters())


@pytest.mark.parametrize("bidirectional", [False, True])
def test_the_probe_path_gives_the_fused_cudnn_lstm_hidden_states(exact_float32, bidirectional):
    torch.manual_seed(3)
    stack = nn.LSTM(5, 16, num_layers=3, bidirectional=bidirectional, batch_first=True).cuda()
    x = torch.randn(4, 40, 5, device="cuda")
    layers = 3 * (2 if bidirectional else 1)
    h0 = torch.randn(layers, 4, 16, device="cuda")
    c0 = torch.randn_like(h0)
    expected, (h_n, c_n) = stack(x, (h0, c0))  # with autograd: cuDNN's training kernels
    output, (h_traced, c_traced), traces = trace_stack(stack, x, (h0, c0))
    assert output.is_cuda and len(traces) == layers
    torch.testing.assert_close(output, expected, atol=1e-5, rtol=0)
    torch.testing.assert_close(h_traced, h_n, atol=1e-5, rtol=0)
    torch.testing.assert_close(c_traced, c_n, atol=1e-5, rtol=0)


def test_a_trainers_probe_on_cuda_shows_the_states_its_fused_model_computes(exact_float32, text_corpus):
    project = make_project(text_corpus, hidden=32, layers=2, **{**CUDA.to_dict(), "probe_every": 5})
    sink = Recorder()
    trainer = project.trainer(sink)
    trainer.run(10)
    (snapshot, *_) = sink.of(ProbeSnapshot)
    model = trainer.model
    assert next(model.parameters()).is_cuda
    probe = trainer.probe()
    example = trainer.corpus.probe_example(trainer.config.probe_length)
    ids = torch.from_numpy(example.inputs)[None].cuda()
    model.eval()
    with torch.no_grad():
        fused, _ = model.encoder(model.inputs(ids))
    model.train()
    np.testing.assert_allclose(probe.layers[-1].hidden, fused[0].cpu().numpy(), atol=1e-5, rtol=0)
    assert snapshot.step == 5 and np.isfinite(snapshot.layers[0].grad_through_time).all()


def test_a_run_on_cuda_learns_and_its_project_opens_on_the_cpu_with_the_same_weights(text_corpus, tmp_path):
    project = make_project(text_corpus, hidden=32, layers=2, **{**CUDA.to_dict(), "learning_rate": 1e-2})
    trainer = project.trainer()
    outcome = trainer.run(80)
    assert outcome.reason == "completed" and trainer.device.type == "cuda"
    losses = trainer.history.losses
    assert np.mean(losses[-10:]) < 0.8 * np.mean(losses[:10])
    path = project.save(tmp_path / "gpu.h5")
    trained = {name: value.cpu() for name, value in project.model.state_dict().items()}
    project.close()

    opened = Project.open(path)
    assert opened.step == 80 and opened.history.meta["device"] == "cuda"
    for name, value in opened.model.state_dict().items():
        assert value.device.type == "cpu"
        torch.testing.assert_close(value, trained[name], atol=0, rtol=0)
    opened.use_device("cpu")  # the optimizer's moments come back onto the CPU with the weights
    cpu_trainer = opened.trainer()
    cpu_trainer.run(3)
    assert cpu_trainer.step == 83 and all(np.isfinite(cpu_trainer.history.losses[-3:]))
    assert _finite(opened.model)


def test_amp_training_on_cuda_stays_finite_and_resumes_on_the_cpu(text_corpus, tmp_path):
    project = make_project(text_corpus, hidden=32, layers=2, **{**CUDA.to_dict(), "amp": True})
    trainer = project.trainer()
    trainer.run(60)  # the loss scaler skips a few first steps while it finds its scale
    assert trainer.amp and trainer.scaler.is_enabled()
    assert all(np.isfinite(trainer.history.losses)) and _finite(trainer.model)
    assert np.mean(trainer.history.losses[-5:]) < np.mean(trainer.history.losses[:5])
    assert all(p.dtype == torch.float32 for p in trainer.model.parameters())  # autocast, not a float16 model
    path = project.save(tmp_path / "amp.h5")
    project.close()
    opened = Project.open(path)
    opened.use_device("cpu")
    cpu_trainer = opened.trainer()
    assert not cpu_trainer.amp  # float16 autocast is CUDA's alone
    cpu_trainer.run(2)
    assert all(np.isfinite(cpu_trainer.history.losses[-2:]))


def test_the_handwriting_synthesis_network_trains_on_cuda():
    lines = synthesize_corpus(16, seed=3, writers=4)
    corpus = StrokeCorpus.from_samples(lines, "test:lines", "Lines", val_fraction=0.25, seed=1)
    spec = from_template(
        "handwriting synthesis", handwriting_task(len(corpus.vocab), components=3), RecurrentSpec("lstm", 16, 2)
    )
    project = Project.create(spec, corpus, replace(CUDA, batch_size=4, seq_len=60))
    trainer = project.trainer()
    trainer.run(6)
    assert trainer.device.type == "cuda" and next(trainer.model.parameters()).is_cuda
    assert all(np.isfinite(trainer.history.losses)) and _finite(trainer.model)
