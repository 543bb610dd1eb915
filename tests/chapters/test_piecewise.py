"""Chapter 2's package pieces: Adam conventions, modular nets, linear regions, run configs."""
import copy

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from precision import modular, regions
from precision.chapters import nets, piecewise_linear  # noqa: E402
from precision.interpolation import SimplexInterpolator  # noqa: E402
from precision.models import mlp, n_params  # noqa: E402
from precision.optimizers import rmse, train_adam  # noqa: E402
from precision.chapters.profiles import resolve  # noqa: E402


def _torch_adam(model, x, y, steps, lr=1e-3):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        torch.mean((model(x).squeeze(-1) - y) ** 2).backward()
        opt.step()


@pytest.mark.parametrize("make", [lambda: mlp(2, 8, 3, "relu", seed=1), lambda: mlp(2, 8, 4, "tanh", seed=2),
                                  lambda: modular.modular_mlp("I.8.14", 8, 4, seed=3)],
                         ids=["dense-relu", "dense-tanh", "modular"])
def test_our_adam_takes_the_same_steps_as_torch_adam(make):
    gen = torch.Generator().manual_seed(0)
    d = 4 if isinstance(make(), modular.ModularMLP) else 2
    x = torch.rand(64, d, dtype=torch.float64, generator=gen)
    y = torch.sin(x.sum(1))
    ours, ref = make(), make()
    res = train_adam(ours, x, y, 40, lr=1e-2, record_every=40)
    assert res.steps > 20
    _torch_adam(ref, x, y, res.steps, lr=1e-2)  # ours ends at its lowest-loss step
    diff = max(float((a - b).detach().abs().max()) for a, b in zip(ours.parameters(), ref.parameters()))
    assert diff < 1e-10


def test_adam_keeps_the_lowest_train_step_with_a_sliding_window():
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(500, 1, dtype=torch.float64, generator=gen) * 2 - 1
    y = x[:, 0] ** 2
    model = mlp(1, 10, 3, "relu", seed=0)
    res = train_adam(model, x, y, 300, lr=1e-2, batch_cap=128, record_every=20)
    assert res.steps % 20 == 0  # best picked among full-data checkpoints
    assert abs(rmse(model, x, y) - res.rmse_train) < 1e-12
    assert res.rmse_train <= res.history[:, 1].min() + 1e-15
    assert res.rmse_train < 0.5 * res.history[0, 1]


def test_adam_rejects_bad_arguments():
    model = mlp(1, 4, 2, seed=0)
    with pytest.raises(ValueError, match="batch_cap"):
        train_adam(model, np.zeros((4, 1)), np.zeros(4), 10, batch_cap=0)
    with pytest.raises(ValueError, match="lr"):
        train_adam(model, np.zeros((4, 1)), np.zeros(4), 10, lr=-1.0)


def test_modular_nets_follow_the_graph():
    net = modular.modular_mlp("II.6.15a", 12, 6)
    assert net.depth == 6 and set(net.nodes) == {"s", "m1", "m2", "e", "out"}
    assert n_params(net) == modular.graph_params(modular.GRAPHS["II.6.15a"], 12, 2)
    assert [m.out_features for m in net.nodes["s"] if isinstance(m, torch.nn.Linear)] == [4, 1]  # w/3
    x = torch.rand(5, 6, dtype=torch.float64)
    assert net(x).shape == (5, 1)
    # the output must not depend on a variable that no node reads: replace I.8.14's graph
    only_x = modular.ModularMLP(("a", "b"), (modular.Node("out", ("a",)),), 4, 2)
    x2 = x[:, :2].clone()
    x3 = x2.clone()
    x3[:, 1] += 1.0
    assert torch.equal(only_x(x2), only_x(x3))


@pytest.mark.parametrize("kwargs, words", [(dict(target="I.8.14", width=8, depth=3), "multiple"),
                                           (dict(target="Z.001", width=8, depth=4), "no computational graph"),
                                           (dict(target="I.8.14", width=0, depth=4), "width")])
def test_modular_errors_name_the_parameter(kwargs, words):
    with pytest.raises(ValueError, match=words):
        modular.modular_mlp(**kwargs)


def test_bad_graph_is_rejected():
    with pytest.raises(ValueError, match="neither an input"):
        modular.ModularMLP(("a",), (modular.Node("out", ("a", "zz")),), 4, 2)


def test_graph_diagram_is_drawn_from_the_model():
    net = modular.modular_mlp("I.8.14", 10, 4)
    fig, ax = plt.subplots()
    modular.draw_graph(net, ax)
    texts = [t.get_text() for t in ax.texts]
    plt.close(fig)
    assert "A\n2-5-1" in texts and "out\n2-10-1" in texts and "x1" in texts


def test_relu_regions_of_a_known_net():
    # y = relu(x - 0.2) + relu(x - 0.6) on [0, 1]: kinks at 0.2 and 0.6 -> 3 regions
    net = torch.nn.Sequential(torch.nn.Linear(1, 2, dtype=torch.float64), torch.nn.ReLU(),
                              torch.nn.Linear(2, 1, dtype=torch.float64))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0], [1.0]]))
        net[0].bias.copy_(torch.tensor([-0.2, -0.6]))
    x = np.linspace(0, 1, 1001)[:, None]
    labels = regions.relu_regions(net, x)
    assert regions.count_regions(labels) == 3
    assert labels[0] == 0 and labels[300] == 1 and labels[900] == 2


def test_simplex_regions_and_colours():
    square = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    interp = SimplexInterpolator(square, square.sum(1))
    g = np.stack(np.meshgrid(np.linspace(-0.5, 1.5, 41), np.linspace(-0.5, 1.5, 41)), -1).reshape(-1, 2)
    labels = regions.simplex_regions(interp, g)
    assert regions.count_regions(labels) == 2 and (labels == -1).any()
    rgb = regions.region_colours(labels)
    assert rgb.shape == (len(g), 3) and np.all(rgb[labels == -1] == 1.0)


def test_width_for_matches_the_parameter_budget():
    for eq, depth, n in [("Z.001", 2, 1000), ("I.44.4", 3, 4096), ("II.6.15a", 4, 256)]:
        w = nets.width_for(eq, depth, n)
        got = nets.net_params(eq, depth, w)
        assert abs(got - n) / n < 0.1
        assert got == n_params(nets.build_net(nets.NetRun(eq, depth, w)))
    w = nets.width_for("I.8.14", 4, 1024, "modular")
    cfg = nets.NetRun("I.8.14", 4, w, architecture="modular")
    assert abs(n_params(nets.build_net(cfg)) - 1024) / 1024 < 0.1


def test_run_net_follows_the_papers_conventions():
    cfg = nets.NetRun("II.8.31", 3, 6, steps=200, n_test=500)
    out = nets.run_net(cfg)
    assert out["n_train"] == out["n_params"] // 3
    assert np.isfinite(out["rmse_test"]) and out["best_step"] > 0  # training lowered the loss
    assert nets.run_net(cfg)["rmse_test"] == out["rmse_test"]  # seeded: reproducible
    with pytest.raises(ValueError, match="optimizer"):
        nets.run_net(nets.NetRun("Z.001", 3, 5, optimizer="sgd"))


def test_toy_runs_keep_their_weights():
    cfg = piecewise_linear.ToyRun("cos(2*x)", (("x", 3.0, 6.0),), 23, 5, seed=1, steps=300, standardize=True)
    out = piecewise_linear.run_toy(cfg)
    model = piecewise_linear.toy_model(cfg, out["weights"])
    data, mean, std = piecewise_linear.toy_data(cfg)
    assert abs(rmse(model, torch.as_tensor((data.x_test - mean) / std), torch.as_tensor(data.y_test))
               - out["rmse_test"]) < 1e-14


def test_figure_configs_cover_every_equation_and_depth():
    cfg = resolve("piecewise-linear", "smoke")
    simplex, nets = piecewise_linear.figure2_configs(cfg)
    assert {c.target for c in simplex} == set(cfg.equations) == {c.target for c in nets}
    assert {c.depth for c in nets} == set(cfg.depths)
    assert max(c.n_train for c in simplex if c.target == "II.6.15a") <= cfg.simplex_max_high_d
    fig3 = piecewise_linear.figure3_configs(cfg)
    assert {c.architecture for c in fig3} == {"dense", "modular"}
    with pytest.raises(ValueError, match="modular_targets"):
        piecewise_linear.figure3_configs(resolve("piecewise-linear", "smoke", modular_targets=["Z.001"]))


@pytest.mark.parametrize("name, paper", [("cos raw", 2.177e-2), ("xy raw", 1.883e-2)])
def test_figure1_uses_the_authors_draws(name, paper):
    from precision.fitting import fit_simplex

    cfg = piecewise_linear.figure1_configs(10)[name]
    assert cfg.draw == "authors"
    data, _, _ = piecewise_linear.toy_data(cfg)
    assert abs(fit_simplex(data).rmse_test - paper) < 1e-4  # the paper's 2.2e-2 and 0.019
    low, high = zip(*[(lo, hi) for _, lo, hi in cfg.domain])
    legacy = np.random.RandomState(cfg.seed)
    np.testing.assert_array_equal(data.x_train[0], legacy.uniform(low, high, size=(cfg.n_train, len(low)))[0])
    assert data.x_test.shape == (30_000, len(low))


def test_authors_nets_share_one_torch_stream_and_unbiased_std():
    nets_ = piecewise_linear.figure1_configs(10)
    raw, std_ = nets_["cos raw"], nets_["cos standardised"]
    flat = lambda m: torch.nn.utils.parameters_to_vector(m.parameters())  # noqa: E731
    state = torch.random.get_rng_state()
    torch.manual_seed(1)
    first, second = mlp(1, 5, 3, "relu", seed=1), None
    torch.manual_seed(1)
    for _ in range(2):  # the authors' order: net 1 then net 2, default nn.Linear init
        second = torch.nn.Sequential(torch.nn.Linear(1, 5, dtype=torch.float64), torch.nn.ReLU(),
                                     torch.nn.Linear(5, 5, dtype=torch.float64), torch.nn.ReLU(),
                                     torch.nn.Linear(5, 1, dtype=torch.float64))
    torch.random.set_rng_state(state)
    assert torch.equal(flat(piecewise_linear.toy_model(raw)), flat(first))
    assert torch.equal(flat(piecewise_linear.toy_model(std_)), flat(second))
    data, mean, std = piecewise_linear.toy_data(std_)
    assert np.allclose(std, data.x_train.std(axis=0, ddof=1)) and np.allclose(mean, data.x_train.mean(axis=0))
    ours = piecewise_linear.ToyRun(**{**std_.__dict__, "draw": "ours"})
    assert not np.array_equal(piecewise_linear.toy_data(ours)[0].x_train, data.x_train)
    with pytest.raises(ValueError, match="draw"):
        piecewise_linear.toy_data(piecewise_linear.ToyRun(**{**std_.__dict__, "draw": "theirs"}))


def test_toy_run_reports_both_metrics():
    cfg = piecewise_linear.figure1_configs(300)["cos standardised"]
    out = piecewise_linear.run_toy(cfg)
    history = np.array(out["history"])
    assert list(history[:, 0]) == [0, 100, 200, 300]
    assert out["rmse_test_min"] == history[:, 2].min() <= out["rmse_test"]
    assert piecewise_linear.run_toy(cfg)["rmse_test_min"] == out["rmse_test_min"]  # deterministic


def test_figure3_trains_with_its_own_batch_cap():
    book = resolve("piecewise-linear", "book")
    assert (book.batch_cap, book.modular_batch_cap) == (10_000, 10_000)  # the book's runs are unchanged
    paper = resolve("piecewise-linear", "paper")
    assert (paper.batch_cap, paper.modular_batch_cap) == (10_000, 30_000)  # the authors' Figure 2 and 3 caps
    fig2 = set(piecewise_linear.figure2_configs(book)[1])
    fig3 = piecewise_linear.figure3_configs(book)
    assert {c.batch_cap for c in fig3} == {10_000}
    shared = [c for c in fig3 if c.architecture == "dense" and c.depth in book.depths]
    assert shared and set(shared) <= fig2  # equal caps: Figure 3's dense nets are Figure 2's runs (one cache entry)
    capped = resolve("piecewise-linear", "book", modular_batch_cap=30_000)
    fig3 = piecewise_linear.figure3_configs(capped)
    assert {c.batch_cap for c in fig3} == {30_000} and {c.architecture for c in fig3} == {"dense", "modular"}
    assert {c.batch_cap for c in piecewise_linear.figure2_configs(capped)[1]} == {10_000}
    assert not set(fig3) & fig2
    with pytest.raises(ValueError, match="modular_batch_cap must be a positive integer, got 0"):
        resolve("piecewise-linear", "smoke", modular_batch_cap=0)
