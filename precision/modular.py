"""Modular networks that follow a formula's computational graph (paper §2.2, Figure 3).

A dense MLP must discover that ``sqrt((x2-x1)**2 + (y2-y1)**2)`` combines ``x1, x2`` and
``y1, y2`` separately before mixing them. A modular net is told: each node of the graph is
a small MLP with a scalar output, fed by input variables or by earlier nodes. The
paper's two graphs are in :data:`GRAPHS`; any other graph can be written as a list of
:class:`Node`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

from .models import ACTIVATIONS, mlp, mlp_param_count

__all__ = ["Node", "GRAPHS", "ModularMLP", "modular_mlp", "node_params", "graph_params", "stages", "draw_graph"]


@dataclass(frozen=True)
class Node:
    """One sub-network of a modular net: a node of the computational graph.

    Attributes
    ----------
    name : str
        The node's name (distinct from every variable and other node).
    inputs : tuple of str
        The variables or earlier nodes it reads, in order.
    width_fraction : float, default 1.0
        Its hidden width as a fraction of the net's width ``w`` (the paper uses w/2, w/3
        and w); rounded, at least 1.
    """

    name: str
    inputs: tuple[str, ...]
    width_fraction: float = 1.0


# The computational graphs of SPEC §2 (Figure 3). The last node is the output.
GRAPHS: dict[str, tuple[Node, ...]] = {
    # d = sqrt((x2 - x1)^2 + (y2 - y1)^2): A(x1, x2), B(y1, y2), out(A, B)
    "I.8.14": (Node("A", ("x1", "x2"), 1 / 2), Node("B", ("y1", "y2"), 1 / 2), Node("out", ("A", "B"), 1.0)),
    # Ef = p_d/(4 pi epsilon) * 3 z / r^5 * sqrt(x^2 + y^2)
    "II.6.15a": (Node("s", ("x", "y"), 1 / 3), Node("m1", ("p_d", "z"), 1 / 3), Node("m2", ("m1", "s"), 1.0),
                 Node("e", ("epsilon", "r"), 1 / 3), Node("out", ("m2", "e"), 1.0)),
}


def _check_graph(variables: Sequence[str], graph: Sequence[Node]) -> None:
    known = set(variables)
    if not graph:
        raise ValueError("graph must have at least one node")
    for node in graph:
        missing = [i for i in node.inputs if i not in known]
        if missing:
            raise ValueError(f"graph node '{node.name}' reads {', '.join(missing)}, which is neither an input "
                             f"variable ({', '.join(variables)}) nor an earlier node")
        if node.name in known:
            raise ValueError(f"graph node name '{node.name}' is used twice")
        if not node.width_fraction > 0:
            raise ValueError(f"graph node '{node.name}': width_fraction must be positive")
        known.add(node.name)


def stages(variables: Sequence[str], graph: Sequence[Node]) -> dict[str, int]:
    """Level of every variable (0) and node (1 + the deepest of its inputs).

    Parameters
    ----------
    variables : sequence of str
        The input variables.
    graph : sequence of Node
        Nodes in order, each reading only variables and earlier nodes.

    Returns
    -------
    dict of str to int
        ``name -> level`` for every variable and node.

    Examples
    --------
    >>> stages(["x1", "x2", "y1", "y2"], GRAPHS["I.8.14"])["out"]
    2
    """
    level = {v: 0 for v in variables}
    for node in graph:
        level[node.name] = 1 + max(level[i] for i in node.inputs)
    return level


def _node_width(width: int, node: Node) -> int:
    return max(1, round(width * node.width_fraction))


def node_params(n_in: int, hidden: int, depth: int) -> int:
    """Parameters of an MLP ``n_in → hidden (× depth−1 layers) → 1`` (:func:`precision.models.mlp_param_count`).

    Parameters
    ----------
    n_in : int
        Inputs.
    hidden : int
        Hidden width.
    depth : int
        Linear layers (1: a linear model with ``n_in + 1`` parameters).

    Returns
    -------
    int
        Weights and biases in total.

    Examples
    --------
    >>> node_params(1, 20, 3)
    481
    """
    return mlp_param_count(n_in, hidden, depth)


def graph_params(graph: Sequence[Node], width: int, node_depth: int) -> int:
    """Parameters of the modular net (without building it).

    Parameters
    ----------
    graph : sequence of Node
        The computational graph.
    width : int
        The net's width ``w`` (each node's hidden width is ``round(w · width_fraction)``, at least 1).
    node_depth : int
        Linear layers per node.

    Returns
    -------
    int
        The sum of :func:`node_params` over the nodes.
    """
    return sum(node_params(len(n.inputs), _node_width(width, n), node_depth) for n in graph)


class ModularMLP(torch.nn.Module):
    """A net built from a computational graph; input columns are ``variables`` in order.

    Every node is an MLP with ``node_depth`` Linear layers; the total depth (the longest
    chain of Linear layers from input to output) is ``node_depth × number of stages``.

    Parameters
    ----------
    variables : sequence of str
        Names of the input columns, in order.
    graph : sequence of Node
        The nodes, each reading variables or earlier nodes; the last is the output.
    width : int
        The net's width ``w``.
    node_depth : int
        Linear layers per node (see :func:`precision.models.mlp`).
    activation : str, default "relu"
        A key of :data:`precision.models.ACTIVATIONS`.
    seed : int, default 0
        Node ``k`` is initialised with seed ``seed + k``.

    Raises
    ------
    ValueError
        If the graph is empty, a node reads an unknown name, a name is used twice or a
        ``width_fraction`` is not positive.
    """

    def __init__(self, variables: Sequence[str], graph: Sequence[Node], width: int, node_depth: int,
                 activation: str = "relu", seed: int = 0):
        super().__init__()
        _check_graph(variables, graph)
        self.variables = tuple(variables)
        self.graph = tuple(graph)
        self.width = width
        self.node_depth = node_depth
        self.activation = activation
        self.nodes = torch.nn.ModuleDict({
            node.name: mlp(len(node.inputs), _node_width(width, node), node_depth, activation, seed=seed + k)
            for k, node in enumerate(self.graph)})
        self._columns = {v: i for i, v in enumerate(self.variables)}

    @property
    def depth(self) -> int:
        """Total depth: the longest chain of Linear layers from input to output.

        Returns
        -------
        int
            ``node_depth`` times the number of stages.
        """
        return self.node_depth * max(stages(self.variables, self.graph).values())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Evaluate the graph node by node.

        Parameters
        ----------
        x : torch.Tensor
            Inputs, shape ``(n, len(variables))``, float64.

        Returns
        -------
        torch.Tensor
            The output node's value, shape ``(n, 1)``.
        """
        values = {v: x[:, i:i + 1] for v, i in self._columns.items()}
        for node in self.graph:
            values[node.name] = self.nodes[node.name](torch.cat([values[i] for i in node.inputs], dim=1))
        return values[self.graph[-1].name]


def modular_mlp(target: str, width: int, depth: int, activation: str = "relu", seed: int = 0) -> ModularMLP:
    """The paper's modular net for ``target`` (a key of :data:`GRAPHS`) at total ``depth``.

    ``depth`` must be a multiple of the graph's number of stages (I.8.14: 2, II.6.15a: 3).

    Parameters
    ----------
    target : str
        A key of :data:`GRAPHS`; its variables give the input columns.
    width : int
        The net's width ``w``.
    depth : int
        Total depth; each node gets ``depth // stages`` Linear layers (at least 2).
    activation : str, default "relu"
        A key of :data:`precision.models.ACTIVATIONS`.
    seed : int, default 0
        Seed of the first node's initialisation.

    Returns
    -------
    ModularMLP
        The float64 modular net.

    Raises
    ------
    ValueError
        If ``target`` has no graph, ``width`` or ``depth`` is not a positive integer,
        ``activation`` is unknown, or ``depth`` is not a multiple of the number of stages of
        at least twice it.
    """
    from .checks import check_positive_int
    from .targets import get_target

    if target not in GRAPHS:
        raise ValueError(f"no computational graph for target {target!r}; graphs exist for {', '.join(GRAPHS)}")
    check_positive_int("width", width)
    check_positive_int("depth", depth)
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}; got '{activation}'")
    variables = get_target(target).variables
    graph = GRAPHS[target]
    n_stages = max(stages(variables, graph).values())
    if depth % n_stages or depth // n_stages < 2:
        raise ValueError(f"depth for the modular {target} net must be a multiple of its {n_stages} stages "
                         f"and at least {2 * n_stages}; got {depth}")
    return ModularMLP(variables, graph, width, depth // n_stages, activation, seed)


_GREEK = {"epsilon": "ε", "lambd": "λ", "theta": "θ"}


def draw_graph(model: ModularMLP, ax) -> None:
    """Draw the model's graph on a matplotlib axis.

    Variables are at the left, one column per stage, each node labelled with the layer
    sizes read from its sub-network.

    Parameters
    ----------
    model : ModularMLP
        The net to draw.
    ax : matplotlib.axes.Axes
        Axes to draw on (axis lines are turned off).
    """
    level = stages(model.variables, model.graph)
    columns: dict[int, list[str]] = {}
    for name, lv in level.items():
        columns.setdefault(lv, []).append(name)
    pos = {}
    for lv, names in columns.items():
        for k, name in enumerate(names):
            pos[name] = (lv, (len(names) - 1) / 2 - k)
    for node in model.graph:
        for i in node.inputs:
            ax.annotate("", xy=pos[node.name], xytext=pos[i],
                        arrowprops=dict(arrowstyle="-|>", color="0.4", lw=1, shrinkA=14, shrinkB=22))
    for v in model.variables:
        ax.text(*pos[v], _GREEK.get(v, v), ha="center", va="center",
                fontsize=9, bbox=dict(boxstyle="circle,pad=0.3", fc="white", ec="0.5"))
    for node in model.graph:
        sizes = [m.in_features for m in model.nodes[node.name] if isinstance(m, torch.nn.Linear)] + [1]
        ax.text(*pos[node.name], f"{node.name}\n" + "-".join(map(str, sizes)), ha="center", va="center", fontsize=8,
                bbox=dict(boxstyle="round,pad=0.35", fc="#dbe9f6", ec="#2b6a9e"))
    ax.set_xlim(-0.5, max(level.values()) + 0.5)
    span = max(len(v) for v in columns.values())
    ax.set_ylim(-span / 2 - 0.2, span / 2 + 0.2)
    ax.axis("off")
