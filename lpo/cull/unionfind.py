"""Union-find (disjoint sets): groups from pairwise links in near-linear time, never O(n^2)."""

from __future__ import annotations

from collections.abc import Hashable


class UnionFind:
    """The root of a set is its smallest member: with sequence numbers, the first document by
    control number, which is the master of a duplicate group."""

    def __init__(self) -> None:
        self.parent: dict[Hashable, Hashable] = {}

    def find(self, x):  # noqa: ANN001, ANN201
        p = self.parent
        root = x
        while p.get(root, root) != root:
            root = p[root]
        while x != root:  # path compression: the next find is one step
            p[x], x = root, p[x]
        return root

    def union(self, a, b) -> None:  # noqa: ANN001
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra
