"""Small-count suppression: the one place a statistic is made safe to publish.

Outside the national admin's own view every count from 1 to threshold - 1 is
shown as "<threshold" (primary suppression). A table also shows its row and
column totals, so a single hidden cell could be recomputed by subtraction; the
complementary step hides further cells until no hidden value can be derived.

Why the graph: take one node per row (plus the totals row) and one per column
(plus the totals column); each hidden cell, including a hidden or unshown
total, is an edge between its row and its column. The published values give
one linear equation per node (the row's cells add up to its total), and that
system is a network's incidence matrix. A hidden value is determined by the
published ones exactly when its edge is a bridge of the hidden-edge graph (an
edge on no cycle). So we hide more cells until the graph has no bridge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from kaiku.privacy.smallcounts import Shown, is_small, show_number, small_label

# Shown in place of a complementary-suppressed cell (its value is not small).
HIDDEN = "\u00d7"
HIDDEN_NOTE = _("× = hidden so that a small count cannot be worked out from the totals.")  # noqa: RUF001

Cell = tuple[int, int]

__all__ = [
    "HIDDEN",
    "HIDDEN_NOTE",
    "SafeTable",
    "Shown",
    "hidden_cells",
    "is_small",
    "show_number",
    "small_label",
    "suppress",
]


@dataclass
class SafeTable:
    """A table of counts with its totals, after suppression.

    ``cells[i][j]`` are the body; ``row_totals[i]``, ``col_totals[j]`` and
    ``total`` the margins (present only when the table shows them).
    """

    rows: list[Any]
    columns: list[Any]
    cells: list[list[Shown]]
    row_totals: list[Shown] | None
    col_totals: list[Shown] | None
    total: Shown | None
    hidden: set[Cell] = field(default_factory=set)

    @property
    def has_complementary(self) -> bool:
        return any(c.text == HIDDEN for row in self.cells for c in row) or any(
            c.text == HIDDEN for c in (self.row_totals or []) + (self.col_totals or []) + [self.total] if c
        )


class _Bridges:
    """The bridges of a graph that only grows, kept as each edge is added (online bridge finding).

    Finding every bridge again after each hidden cell made a table of 300 municipalities
    with many small counts take half a second. Here the 2-edge-connected components are
    a union-find, and the bridges the edges of a forest over them: a new edge between
    two trees is a bridge (the smaller tree is re-rooted and hung under the other); a
    new edge within a tree closes a cycle, and the bridges on the path between its ends
    stop being bridges (their components merge). After "Finding bridges online",
    cp-algorithms.com; each edge costs near-constant time plus the path it closes.
    """

    def __init__(self) -> None:
        self.bridges: set[Cell] = set()
        self._two: dict[int, int] = {}  # 2-edge-connected components
        self._tree: dict[int, int] = {}  # connected components
        self._size: dict[int, int] = {}  # nodes of a connected component, at its representative
        self._parent: dict[int, int | None] = {}  # in the forest of 2-edge-connected components
        self._up: dict[int, Cell | None] = {}  # the bridge to a component's parent

    def _find(self, sets: dict[int, int], v: int) -> int:
        root = v
        while sets[root] != root:
            root = sets[root]
        while sets[v] != root:
            sets[v], v = root, sets[v]
        return root

    def _node(self, v: int) -> int:
        if v not in self._two:
            self._two[v] = self._tree[v] = v
            self._size[v] = 1
            self._parent[v] = self._up[v] = None
        return self._find(self._two, v)

    def _make_root(self, v: int) -> None:
        """Re-root v's tree at v, turning the parent pointers (and their bridges) on the way round."""
        root, child, child_up = v, None, None
        current: int | None = v
        while current is not None:
            parent = self._parent[current]
            up = self._up[current]
            self._parent[current], self._up[current] = child, child_up
            self._tree[current] = root
            child, child_up = current, up
            current = None if parent is None else self._find(self._two, parent)
        assert child is not None
        self._size[root] = self._size[child]

    def _merge_path(self, a: int, b: int) -> None:
        """The components on the forest path from a to b become one: its bridges are bridges no more."""
        seen: set[int] = set()
        paths: tuple[list[int], list[int]] = ([], [])
        ends: list[int | None] = [a, b]
        lowest = None
        while lowest is None:
            for k in (0, 1):
                v = ends[k]
                if v is None:
                    continue
                v = self._find(self._two, v)
                paths[k].append(v)
                if v in seen:
                    lowest = v
                    break
                seen.add(v)
                ends[k] = self._parent[v]
        for path in paths:
            for v in path:
                self._two[v] = lowest
                if v == lowest:
                    break
                up = self._up[v]
                assert up is not None
                self.bridges.discard(up)

    def add(self, edge: Cell, a: int, b: int) -> None:
        a, b = self._node(a), self._node(b)
        if a == b:
            return
        ta, tb = self._find(self._tree, a), self._find(self._tree, b)
        if ta != tb:
            self.bridges.add(edge)
            if self._size[ta] > self._size[tb]:
                a, b, ta, tb = b, a, tb, ta
            self._make_root(a)
            self._parent[a], self._up[a] = b, edge
            self._tree[a] = b
            self._size[tb] += self._size[a]
        else:
            self._merge_path(a, b)


def hidden_cells(values: Sequence[Sequence[int]], threshold: int, *, row_totals: bool, col_totals: bool) -> set[Cell]:
    """Which cells of the full table (body plus margins, index m / n) to hide.

    Index ``m`` is the totals row and ``n`` the totals column. Margins that the
    table does not show are unknown to a reader, so they start out "hidden" too
    (and are never displayed either way).
    """
    m = len(values)
    n = len(values[0]) if m else 0
    full = [[*r, sum(r)] for r in values]
    full.append([sum(full[i][j] for i in range(m)) for j in range(n + 1)])
    hidden: set[Cell] = {(i, j) for i in range(m + 1) for j in range(n + 1) if is_small(full[i][j], threshold)}
    if not hidden:
        return hidden
    unshown: set[Cell] = set()
    for i in range(m + 1):
        if not row_totals or (i == m and not col_totals):
            unshown.add((i, n))
    for j in range(n + 1):
        if not col_totals or (j == n and not row_totals):
            unshown.add((m, j))
    hidden |= unshown
    graph = _Bridges()  # rows are nodes 0..m, columns m + 1..m + n + 1

    def add(cell: Cell) -> None:
        graph.add(cell, cell[0], m + 1 + cell[1])

    for cell in sorted(hidden):
        add(cell)
    lines = ({r for r, _c in hidden}, {c for _r, c in hidden})  # the rows and the columns that hide a cell
    while True:
        # A margin the table does not show may well be derivable: only hidden shown cells matter.
        bridges = graph.bridges - unshown
        if not bridges:
            return hidden
        i, j = min(bridges)
        partner = _partner(full, hidden, lines, i, j, m, n)
        hidden.add(partner)
        lines[0].add(partner[0])
        lines[1].add(partner[1])
        add(partner)


def _partner(
    full: list[list[int]], hidden: set[Cell], lines: tuple[set[int], set[int]], i: int, j: int, m: int, n: int
) -> Cell:
    """A cell to hide beside bridge (i, j): in its row or column, preferring lines that already hide a cell
    (closing a cycle), then small non-zero values.

    The totals row is never chosen while another cell will do: column totals are the
    same numbers as the key figures and other tables' totals, so hiding them here
    would protect nothing.
    """
    hidden_rows, hidden_cols = lines
    candidates: list[tuple[tuple[int, int, int], Cell]] = []
    for c in range(n + 1):
        if (i, c) not in hidden and i != m:
            v = full[i][c]
            candidates.append(((0 if c in hidden_cols else 1, 0 if v else 1, v), (i, c)))
    for r in range(m):
        if (r, j) not in hidden:
            v = full[r][j]
            candidates.append(((0 if r in hidden_rows else 1, 0 if v else 1, v), (r, j)))
    if not candidates:
        candidates = [
            ((1, 0 if full[r][c] else 1, full[r][c]), (r, c))
            for r in range(m)
            for c in range(n + 1)
            if (r, c) not in hidden
        ]
    if not candidates:
        # Both lines are fully hidden: widen the search to any shown cell. One exists,
        # since a fully hidden table (at least 2 x 2 with its margins) has no bridge.
        candidates = [
            ((1, 0 if full[r][c] else 1, full[r][c]), (r, c))
            for r in range(m + 1)
            for c in range(n + 1)
            if (r, c) not in hidden
        ]
    return min(candidates)[1]


def suppress(
    rows: Sequence[Any],
    columns: Sequence[Any],
    values: Sequence[Sequence[int]],
    threshold: int | None,
    *,
    row_totals: bool = True,
    col_totals: bool = True,
) -> SafeTable:
    """Publishable cells for a table of counts. ``threshold=None`` means the national view: nothing hidden."""
    m, n = len(values), len(columns)
    full = [[*r, sum(r)] for r in values]
    full.append([sum(full[i][j] for i in range(m)) for j in range(n + 1)])
    hidden = (
        hidden_cells(values, threshold, row_totals=row_totals, col_totals=col_totals)
        if threshold is not None and m and n
        else set()
    )

    def shown(i: int, j: int) -> Shown:
        v = full[i][j]
        if (i, j) not in hidden:
            return Shown(str(v), v)
        assert threshold is not None
        return Shown(small_label(threshold) if is_small(v, threshold) else HIDDEN, None, True)

    return SafeTable(
        rows=list(rows),
        columns=list(columns),
        cells=[[shown(i, j) for j in range(n)] for i in range(m)],
        row_totals=[shown(i, n) for i in range(m)] if row_totals else None,
        col_totals=[shown(m, j) for j in range(n)] if col_totals else None,
        total=shown(m, n) if row_totals and col_totals else None,
        hidden=hidden,
    )
