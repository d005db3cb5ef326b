"""A model too big for the machine is refused from its spec, before torch tries to allocate it."""

from dataclasses import replace

import pytest
import torch

import workbench.engine.project.project as project_module
from workbench.cli import main
from workbench.engine.common.errors import SpecError
from workbench.engine.data.base import Task, language_model_task
from workbench.engine.model.builder import build_model
from workbench.engine.model.sequence_models import count_parameters
from workbench.engine.model.templates import from_template
from workbench.engine.spec import HeadSpec, InputSpec, RecurrentSpec
from workbench.engine.training import memory_need
from workbench.engine.training.config import TrainConfig
from workbench.engine.training.memory_need import (
    SIZE_STEP,
    activations,
    available_memory,
    check_fits,
    host_available_memory,
    training_memory,
)
from workbench.engine.training.optimizers import make_optimizer

CONFIG = TrainConfig(batch_size=32, seq_len=32, device="cpu")
GB = 10**9
TRANSLATION = Task(
    "translation",
    InputSpec(vocab_size=300, embedding_dim=64),
    HeadSpec("next_token", 200),
    target_inputs=InputSpec(vocab_size=200, embedding_dim=64),
)


def language_model(hidden=128, layers=1, cell="lstm", vocab=65, embedding=64):
    return from_template("stacked", language_model_task(vocab, embedding), RecurrentSpec(cell, hidden, layers))


def refusal(spec, config=CONFIG, device="cpu", available=4 * GB) -> str:
    with pytest.raises(SpecError) as raised:
        check_fits(spec, config, device, available)
    return str(raised.value)


def fits(spec, config=CONFIG, device="cpu", available=4 * GB) -> bool:
    try:
        check_fits(spec, config, device, available)
    except SpecError:
        return False
    return True


@pytest.mark.parametrize(
    "optimizer, momentum", [("adam", 0.9), ("rmsprop", 0.9), ("rmsprop", 0.0), ("sgd", 0.9), ("sgd", 0.0)]
)
def test_the_parameter_part_is_exactly_what_torch_keeps(optimizer, momentum):
    """Weights, gradients and the optimizer's state after a real step, to the byte; the rollback
    copy (weights on the device, state on the host) and, on a CPU, the save's copy come on top."""
    config = replace(CONFIG, optimizer=optimizer, momentum=momentum)
    spec = language_model(hidden=24)
    model = build_model(spec)
    optimizer_ = make_optimizer(model.parameters(), config)
    model(torch.randint(0, 65, (2, 5)))[0].sum().backward()
    optimizer_.step()
    state = [value for entry in optimizer_.state.values() for value in entry.values() if value.dim() > 0]
    kept = sum(t.numel() * t.element_size() for t in [*model.parameters(), *(p.grad for p in model.parameters())])
    kept += sum(t.numel() * t.element_size() for t in state)
    weights = count_parameters(model) * 4
    state_bytes = kept - 2 * weights
    assert training_memory(spec, config, "cuda").parameter_bytes == kept + weights
    assert training_memory(spec, config, "cpu").parameter_bytes == kept + 2 * (weights + state_bytes)


def saved_for_backward(model, inputs) -> int:
    """Bytes autograd keeps for one batch's backward pass (the CPU LSTM's workspace included),
    the weights left out."""
    weights = {p.untyped_storage().data_ptr() for p in model.parameters()}
    storages = {}

    def pack(tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in weights:
            storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        output = model(*inputs)
        (output[0] if isinstance(output, tuple) else output).log_softmax(-1).sum()
    return sum(storages.values())


@pytest.mark.parametrize(
    "spec, inputs",
    [
        (language_model(256, 2), (torch.randint(0, 65, (32, 32)),)),
        (language_model(128, 1, "gru", vocab=2000), (torch.randint(0, 2000, (32, 32)),)),
        (
            from_template("attention", TRANSLATION, RecurrentSpec("lstm", 128, 1)),
            (torch.randint(0, 300, (32, 32)), torch.randint(0, 200, (32, 32))),
        ),
    ],
    ids=["lstm", "gru", "attention"],
)
def test_activations_are_within_a_sane_factor_of_what_autograd_keeps(spec, inputs):
    estimated = activations(spec, CONFIG) * 4 / 2  # bytes; the other half is their gradients
    real = saved_for_backward(build_model(spec), inputs)
    assert real / 4 < estimated < real * 4


def test_a_huge_model_is_refused_with_both_figures_and_a_size_that_fits():
    spec = language_model(hidden=8192, layers=16)
    message = refusal(spec)
    assert "\n" not in message
    assert "this model needs about 33" in message and "8.33 billion parameters" in message
    assert "Adam's two moments" in message and "4.0 GB of memory is available" in message
    suggested = int(message.split("a hidden size of ")[1].split(" or less")[0].replace(",", ""))
    assert suggested % SIZE_STEP == 0
    assert fits(replace(spec, encoder=replace(spec.encoder, hidden_size=suggested)))
    assert not fits(replace(spec, encoder=replace(spec.encoder, hidden_size=suggested + SIZE_STEP)))


def test_a_model_that_fits_is_let_through_and_a_quarter_of_memory_stays_free():
    spec = language_model(hidden=512, layers=2)
    need = training_memory(spec, CONFIG).total
    assert fits(spec, available=need * 4 // 3 + 4)
    assert not fits(spec, available=need)


def test_an_encoder_decoder_caps_both_stacks():
    spec = from_template("attention", TRANSLATION, RecurrentSpec("gru", 8192, 8))
    message = refusal(spec, available=2 * GB)
    suggested = int(message.split("a hidden size of ")[1].split(" or less")[0].replace(",", ""))
    capped = replace(
        spec, encoder=replace(spec.encoder, hidden_size=suggested), decoder=replace(spec.decoder, hidden_size=suggested)
    )
    assert fits(capped, available=2 * GB)


def test_an_enormous_embedding_names_the_width_that_fits():
    spec = language_model(hidden=64, vocab=100_000, embedding=65536)
    message = refusal(spec)
    assert "hidden size" not in message
    width = int(message.split("an embedding width of ")[1].split(" or less")[0].replace(",", ""))
    assert fits(replace(spec, inputs=replace(spec.inputs, embedding_dim=width)))
    assert not fits(replace(spec, inputs=replace(spec.inputs, embedding_dim=width + SIZE_STEP)))


def test_a_gpu_is_judged_by_what_lives_in_its_memory():
    """On a GPU the save's copy goes to the host: a model can fit a GPU that its figure would not
    fit on the CPU."""
    spec = language_model(hidden=2048, layers=4)
    available = training_memory(spec, CONFIG, "cuda").total * 3 // 2
    assert fits(spec, device="cuda", available=available)
    assert "of memory is available" in refusal(spec, device="cpu", available=available)
    assert "of GPU memory is available" in refusal(spec, device="cuda", available=available // 2)


def test_the_gpu_figure_is_its_free_memory(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (3 * GB, 80 * GB))
    assert available_memory("cuda") == 3 * GB
    assert "3.0 GB of GPU memory" in refusal(language_model(8192, 16), replace(CONFIG, device="cuda"), None, None)


def test_the_host_figure_is_a_real_amount():
    assert 10**7 < host_available_memory() < 10**15


def test_without_a_figure_nothing_is_refused(monkeypatch):
    monkeypatch.setattr(memory_need, "available_memory", lambda device: None)
    check_fits(language_model(8192, 16), CONFIG)


@pytest.mark.parametrize(
    "inputs, words",
    [
        (InputSpec("tokens", vocab_size=65, embedding_dim=65537), "embedding width must be between 1 and 65536"),
        (InputSpec("features", feature_dim=3, projection_dim=65537), "projection width must be between 0"),
    ],
)
def test_widths_have_an_upper_bound(inputs, words):
    spec = replace(language_model(), inputs=inputs)
    assert any(words in problem.message for problem in spec.problems())


@pytest.fixture
def nothing_is_built(monkeypatch):
    """A machine with 4 GB free, where building a model fails the test."""
    monkeypatch.setattr(memory_need, "available_memory", lambda device: 4 * GB)

    def refuse(spec):
        raise AssertionError("the model was built")

    monkeypatch.setattr(project_module, "build_model", refuse)


@pytest.mark.parametrize(
    "options, words",
    [
        (["--hidden", "8192", "--layers", "16"], "a hidden size of"),
        (["--embedding", "1000000000"], "embedding"),
    ],
    ids=["hidden", "embedding"],
)
def test_the_cli_refuses_before_building(tmp_path, capsys, nothing_is_built, options, words):
    status = main(["new", str(tmp_path / "p.h5"), "--demo", "names", *options])
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("workbench: ") and err.count("\n") == 1 and words in err
    assert not (tmp_path / "p.h5").exists()


def test_a_project_that_cannot_train_here_still_opens_and_samples(tmp_path, lines_corpus, monkeypatch):
    """Only training is refused: a model trained on a big machine can be sampled on a small one."""
    from tiny import make_project

    from workbench.engine.inference.sampling_options import SamplingOptions
    from workbench.engine.project.project import Project

    path = make_project(lines_corpus).save(tmp_path / "p.h5")
    project = Project.open(path)
    need = training_memory(project.spec, project.config)
    monkeypatch.setattr(memory_need, "available_memory", lambda device: need.parameter_bytes // 4)
    assert project.trainer().sample(SamplingOptions(length=5)).text
    with pytest.raises(SpecError, match="needs about .* to train"):
        project.trainer().run(1)
    assert project.step == 0
