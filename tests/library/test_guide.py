"""The user's guide (paper §5, Figure 10): every leaf and branch reached, exponents right,
bad inputs refused, and the drawing made from the same tree."""
from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from precision import guide  # noqa: E402
from precision.guide import TREE, Leaf, Question  # noqa: E402

# One problem per leaf. A leaf added to the tree without a case here fails
# test_every_leaf_has_a_case.
CASES = {
    "extended-precision": dict(d=1, precision=1e-17),
    "spline": dict(d=1, grid=True, precision=1e-14),
    "simplex": dict(d=2, precision=1e-3),
    "smooth-net": dict(d=1, precision=1e-12, data_budget=1000),
    "simplex-more-data": dict(d=2, smooth=False, precision=1e-8),
    "relu-net": dict(d=4, modular=True, precision=1e-2),
    "smooth-net-modular": dict(d=6, modular=True, precision=1e-4),
    "relu-net-limited": dict(d=3, modular=True, smooth=False, precision=1e-6),
    "simplex-high": dict(d=3, precision=1e-3),
    "smooth-net-high": dict(d=6, precision=1e-4),
    "out-of-reach": dict(d=5, smooth=False, precision=1e-6, data_budget=10**5),
}


def _edges():
    return {(q.key, child) for q in guide.questions() for _, child in q.branches}


def test_every_leaf_has_a_case():
    assert set(CASES) == {leaf.key for leaf in guide.leaves()}


@pytest.mark.parametrize("leaf", sorted(CASES))
def test_each_case_reaches_its_leaf(leaf):
    rec = guide.recommend(**CASES[leaf])
    assert rec.leaf == leaf and rec.path[-1] == leaf and rec.path[0] == guide.ROOT
    assert all(isinstance(TREE[k], Question) for k in rec.path[:-1])
    # one reasoning line per decision, each naming its question, then why the method
    for key, line in zip(rec.path[:-1], rec.reasoning):
        assert line.startswith(TREE[key].text)
    assert rec.reasoning[len(rec.path) - 1].startswith("→ ")
    assert rec.to_dict()["path"] == list(rec.path)


def test_the_cases_take_every_branch():
    taken = set()
    for kwargs in CASES.values():
        path = guide.recommend(**kwargs).path
        taken |= set(zip(path, path[1:]))
    assert taken == _edges()


def test_the_tree_is_a_tree():
    children = [child for q in guide.questions() for _, child in q.branches]
    assert all(child in TREE for child in children)
    assert len(children) == len(set(children)), "a node with two parents"
    assert set(children) | {guide.ROOT} == set(TREE), "a node the root does not reach"
    assert all(q.test in guide.TESTS for q in guide.questions())
    assert all(leaf.exponent is None or leaf.exponent in guide.EXPONENTS for leaf in guide.leaves())


@pytest.mark.parametrize("kwargs, value, formula", [
    (dict(d=1), -2.0, "RMSE ∝ D^(−2/d)"),
    (dict(d=3, precision=1e-3), -2 / 3, "RMSE ∝ D^(−2/d)"),
    (dict(d=4, modular=True, precision=1e-2), -1.0, "RMSE ∝ D^(−2/d*)"),
    (dict(d=6, modular=True, max_arity=3, precision=1e-2), -2 / 3, "RMSE ∝ D^(−2/d*)"),
    (dict(d=1, grid=True), -4.0, "RMSE ∝ D^(−(n+1)/d)"),
])
def test_exponents(kwargs, value, formula):
    rec = guide.recommend(**kwargs)
    assert rec.exponent.formula == formula and abs(rec.exponent.value - value) < 1e-12
    assert rec.reachable and rec.points_needed <= guide.DEFAULT_DATA_BUDGET


def test_smooth_nets_have_no_power_law_and_state_their_reach():
    rec = guide.recommend(**CASES["smooth-net"])
    assert rec.exponent.value is None and rec.points_needed is None
    assert rec.expected_floor == guide.SMOOTH_NET_REACH[1][0] and rec.reachable  # 1e-12 ≥ 3.2e-13
    deep = guide.recommend(d=1, precision=1e-15, data_budget=1000)
    assert deep.leaf == "smooth-net" and not deep.reachable and "beyond" in deep.reasoning[-1]


@pytest.mark.parametrize("budget, order, reachable", [(None, 5, True), (10**4, 7, True), (100, 7, False)])
def test_spline_order_follows_the_budget(budget, order, reachable):
    rec = guide.recommend(d=2, grid=True, precision=1e-15, data_budget=budget)
    assert rec.leaf == "spline" and f"order {order}" in rec.method and rec.order == order
    assert abs(rec.exponent.value + (order + 1) / 2) < 1e-12 and rec.reachable is reachable


def test_the_budget_decides_at_the_points_needed():
    # d = 2, precision 1e-6: D^(−1) needs exactly 1e6 points
    assert guide.recommend(d=2, precision=1e-6, data_budget=10**6).leaf == "simplex"
    assert guide.recommend(d=2, precision=1e-6, data_budget=10**6 - 1).leaf == "smooth-net"
    assert guide.points_needed(2 / 3, 1e-4) == 1e6


def test_modular_with_a_full_width_node_is_not_modular():
    assert guide.recommend(d=3, modular=True, max_arity=3, precision=1e-3).leaf == "simplex-high"


@pytest.mark.parametrize("kwargs, message", [
    (dict(d=0), "d must be a positive integer"),
    (dict(d=2.5), "d must be a positive integer"),
    (dict(d=True), "d must be a positive integer"),
    (dict(d=2, grid="yes"), "grid must be True or False, got 'yes'"),
    (dict(d=2, smooth=None), "smooth must be True or False"),
    (dict(d=3, modular=1), "modular must be True or False"),
    (dict(d=3, modular=True, max_arity=4), "max_arity must be None or an integer from 1 to d = 3, got 4"),
    (dict(d=3, max_arity=2), "pass modular=True"),
    (dict(d=2, precision=0), "precision must be the relative RMSE wanted, a number between 0 and 1"),
    (dict(d=2, precision=2.0), "precision must be"),
    (dict(d=2, precision="1e-8"), "precision must be"),
    (dict(d=2, data_budget=0), "data_budget must be None or a number of training points ≥ 1, got 0"),
    (dict(d=2, data_budget=float("inf")), "data_budget must be"),
])
def test_bad_inputs_name_the_parameter(kwargs, message):
    with pytest.raises(ValueError) as err:
        guide.recommend(**kwargs)
    assert message in str(err.value)


def test_draw_guide_draws_the_tree_and_highlights_a_path():
    rec = guide.recommend(**CASES["relu-net"])
    fig, ax = plt.subplots()
    try:
        assert guide.draw_guide(ax, highlight=rec) is ax
        drawn = {t.get_gid(): t.get_text() for t in ax.texts}
        assert {k: drawn[k] for k in TREE} == {k: guide.node_label(k) for k in TREE}
        branch_labels = {gid: text for gid, text in drawn.items() if "->" in gid}
        assert branch_labels == {f"{q.key}->{child}": label for q in guide.questions() for label, child in q.branches}
        red = [line for line in ax.lines if line.get_color() == "tab:red"]
        assert len(ax.lines) == len(_edges()) and len(red) == len(rec.path) - 1
    finally:
        plt.close(fig)
    ax = guide.draw_guide()  # makes its own figure
    assert len(ax.texts) == len(TREE) + len(_edges())
    plt.close(ax.figure)


def test_leaf_labels_show_the_scaling_law():
    for leaf in guide.leaves():
        text = guide.node_label(leaf.key)
        if leaf.exponent:
            assert guide.EXPONENTS[leaf.exponent][0] in text
        assert isinstance(leaf, Leaf)
