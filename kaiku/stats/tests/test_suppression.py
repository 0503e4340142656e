"""Small-count suppression: primary cells hidden, and nothing hidden can be worked out from the totals."""

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from kaiku.stats.suppression import HIDDEN, _Bridges, suppress


def _rank(rows):
    """Rank of a matrix of Fractions (Gaussian elimination)."""
    rows = [list(r) for r in rows]
    rank, cols = 0, len(rows[0]) if rows else 0
    for c in range(cols):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][c] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][c] != 0:
                f = rows[r][c] / rows[rank][c]
                rows[r] = [a - f * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def determined_cells(m, n, unknown):
    """Unknown cells of the (m+1) x (n+1) table that the published values pin down exactly.

    Independent of the module's graph argument: plain linear algebra on the
    equations "each row's cells add up to its total" and "each column's too".
    """
    unknown = sorted(unknown)
    index = {cell: k for k, cell in enumerate(unknown)}
    equations = []
    for i in range(m + 1):
        eq = [Fraction(0)] * len(unknown)
        for j in range(n):
            if (i, j) in index:
                eq[index[(i, j)]] += 1
        if (i, n) in index:
            eq[index[(i, n)]] -= 1
        equations.append(eq)
    for j in range(n + 1):
        eq = [Fraction(0)] * len(unknown)
        for i in range(m):
            if (i, j) in index:
                eq[index[(i, j)]] += 1
        if (m, j) in index:
            eq[index[(m, j)]] -= 1
        equations.append(eq)
    base = _rank(equations)
    out = []
    for cell, k in index.items():
        probe = [Fraction(int(c == k)) for c in range(len(unknown))]
        if _rank([*equations, probe]) == base:
            out.append(cell)
    return out


def published(table, m, n):
    """(cell -> shown text) for body and the margins the table shows."""
    out = {(i, j): table.cells[i][j] for i in range(m) for j in range(n)}
    if table.row_totals:
        out |= {(i, n): table.row_totals[i] for i in range(m)}
    if table.col_totals:
        out |= {(m, j): table.col_totals[j] for j in range(n)}
    if table.total:
        out[(m, n)] = table.total
    return out


small_counts = st.one_of(st.integers(0, 6), st.integers(0, 60))


@st.composite
def tables(draw):
    m = draw(st.integers(1, 5))
    n = draw(st.integers(1, 4))
    values = draw(st.lists(st.lists(small_counts, min_size=n, max_size=n), min_size=m, max_size=m))
    return values, draw(st.integers(2, 10)), draw(st.booleans()), draw(st.booleans())


@settings(max_examples=300, deadline=None)
@given(tables())
def test_it_never_lets_a_hidden_cell_be_worked_out(case):
    values, k, row_totals, col_totals = case
    m, n = len(values), len(values[0])
    table = suppress(range(m), range(n), values, k, row_totals=row_totals, col_totals=col_totals)
    full = [[*r, sum(r)] for r in values]
    full.append([sum(full[i][j] for i in range(m)) for j in range(n + 1)])
    shown = published(table, m, n)
    unknown = {(i, j) for i in range(m + 1) for j in range(n + 1) if (i, j) not in shown or shown[(i, j)].suppressed}
    # Every small count is hidden; every shown count is the true one.
    for (i, j), cell in shown.items():
        if 0 < full[i][j] < k:
            assert cell.suppressed and cell.text == f"<{k}"
        if not cell.suppressed:
            assert cell.text == str(full[i][j])
        else:
            assert cell.text in (f"<{k}", HIDDEN)
    # No hidden cell (small or complementary) is pinned down by what is published.
    secret = {cell for cell, shown_cell in shown.items() if shown_cell.suppressed}
    assert set(determined_cells(m, n, unknown)) & secret == set()


@settings(max_examples=100, deadline=None)
@given(tables())
def test_it_hides_nothing_in_the_national_view(case):
    values = case[0]
    table = suppress(range(len(values)), range(len(values[0])), values, None)
    assert [[c.text for c in row] for row in table.cells] == [[str(v) for v in row] for row in values]


def test_it_hides_a_partner_in_the_same_row_and_column():
    table = suppress(["a", "b"], ["x", "y"], [[3, 40], [50, 60]], 5)
    texts = [[c.text for c in row] for row in table.cells]
    assert texts[0][0] == "<5"
    # 3 alone would be 43 - 40: a second cell in its row and one in its column are hidden too.
    assert sum(c == HIDDEN for row in texts for c in row) >= 2
    assert determined_cells(2, 2, table.hidden) == []


def test_it_keeps_zeros_and_large_counts_visible_when_nothing_is_small():
    table = suppress(["a", "b"], ["x"], [[0], [12]], 5)
    assert [[c.text for c in row] for row in table.cells] == [["0"], ["12"]]
    assert table.total is not None and table.total.text == "12"


def test_it_hides_a_small_total():
    table = suppress(["a", "b"], ["x"], [[1], [2]], 5)
    assert table.total is not None and table.total.text == "<5"


@settings(max_examples=200, deadline=None)
@given(tables())
def test_it_keeps_column_totals_that_are_not_small_whenever_the_body_can_hide_instead(case):
    values, k, row_totals, _col_totals = case
    m, n = len(values), len(values[0])
    if m < 2:
        return  # one body row: its cells are the column totals
    totals = [sum(values[i][j] for i in range(m)) for j in range(n)]
    if any(0 < t < k for t in [*totals, sum(totals)]):
        return  # a small total in the totals row needs a partner in that row
    table = suppress(range(m), range(n), values, k, row_totals=row_totals, col_totals=True)
    assert not any(cell.suppressed for cell in table.col_totals), (values, k)


def _is_bridge(edges, edge):
    """Whether removing the edge disconnects its ends (a plain search, independent of ``_Bridges``)."""
    a, b = edge
    rest = [e for e in edges if e != edge]
    seen, todo = {a}, [a]
    while todo:
        v = todo.pop()
        for x, y in rest:
            for u, w in ((x, y), (y, x)):
                if u == v and w not in seen:
                    seen.add(w)
                    todo.append(w)
    return b not in seen


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)).filter(lambda e: e[0] != e[1]), max_size=25))
def test_the_bridges_kept_edge_by_edge_are_those_of_the_whole_graph(pairs):
    graph = _Bridges()
    edges: list[tuple[int, int]] = []
    for a, b in pairs:
        if (a, b) in edges or (b, a) in edges:
            continue  # a table has one cell per row and column
        edges.append((a, b))
        graph.add((a, b), a, b)
        assert graph.bridges == {e for e in edges if _is_bridge(edges, e)}, edges


@st.composite
def larger_tables(draw):
    m = draw(st.integers(6, 12))
    n = draw(st.integers(3, 6))
    values = draw(st.lists(st.lists(st.integers(0, 12), min_size=n, max_size=n), min_size=m, max_size=m))
    return values, draw(st.integers(2, 6)), draw(st.booleans()), draw(st.booleans())


@settings(max_examples=40, deadline=None)
@given(larger_tables())
def test_it_never_lets_a_hidden_cell_be_worked_out_of_a_larger_table_with_many_small_counts(case):
    test_it_never_lets_a_hidden_cell_be_worked_out.hypothesis.inner_test(case)
