"""The tie-break chain: splits tie groups step by step, recording each step."""

from __future__ import annotations

from collections.abc import Sequence

from judging.aggregation.canonical import _id_key
from judging.aggregation.model import CRITERION_STEP, DECIMALS, PANEL_VOTE, UNRESOLVED, Id, TieBreak


def _order_text(subgroups: Sequence[Sequence[Id]]) -> str:
    return " > ".join(" = ".join(str(n) for n in group) for group in subgroups)


class _Chain:
    """Applies the tie-break chain to tie groups, recording every step."""

    def __init__(self, steps, criterion_means, votes):
        self.steps = steps
        self.criterion_means = criterion_means  # nomination -> code -> normalised mean
        self.votes = votes
        self.records: list[TieBreak] = []
        self.decided_by: dict[Id, str] = {}

    def _values(self, step: str, group: Sequence[Id]) -> dict[Id, float] | None:
        if step == PANEL_VOTE:
            if self.votes is None:
                return None
            values = {}
            for n in group:
                count = self.votes.get(n, self.votes.get(str(n)))
                if count is None:
                    return None
                values[n] = count
            return values
        code = step[len(CRITERION_STEP):]
        return {n: round(self.criterion_means[n][code], DECIMALS) for n in group}

    def resolve(self, group: list[Id], index: int = 0) -> list[list[Id]]:
        """Split a tie group into blocks, best first; a block of more than
        one nomination is a tie the chain could not break."""
        if len(group) == 1:
            return [group]
        ids = tuple(group)
        if index == len(self.steps):
            tried = ", ".join(self.steps) or "no tie-break step declared"
            self.records.append(TieBreak(ids, UNRESOLVED, f"still tied after the chain ({tried})"))
            return [group]
        step = self.steps[index]
        values = self._values(step, group)
        if values is None:
            missing = "no panel votes recorded" if self.votes is None else "votes missing for " + ", ".join(
                str(n) for n in group if self.votes.get(n, self.votes.get(str(n))) is None)
            self.records.append(TieBreak(ids, step, f"cannot decide: {missing}; the panel must vote"))
            return self.resolve(group, index + 1)
        ordered = sorted(group, key=lambda n: (-values[n], _id_key(n)))
        subgroups: list[list[Id]] = []
        for n in ordered:
            if subgroups and values[subgroups[-1][0]] == values[n]:
                subgroups[-1].append(n)
            else:
                subgroups.append([n])
        label = "panel votes" if step == PANEL_VOTE else f"mean {step[len(CRITERION_STEP):]} on 0..1"
        shown = ", ".join(f"{n}={values[n]}" for n in ordered)
        self.records.append(TieBreak(ids, step, f"{label}: {shown} -> {_order_text(subgroups)}"))
        blocks: list[list[Id]] = []
        for sub in subgroups:
            if len(sub) == 1 and len(subgroups) > 1:
                self.decided_by[sub[0]] = step
            blocks.extend(self.resolve(sub, index + 1) if len(sub) > 1 else [sub])
        return blocks
