"""Plain-language explanations of a ScheduleResult for the "why" views.

"Why is this pod Pending?" lists each node with the filter that turned it down and its reason;
"why did it land on node-2?" lists the feasible nodes best first with each plugin's score and
weight, so a learner can see which preference decided.
"""

from __future__ import annotations

from playground.engine.scheduler.framework import ScheduleResult
from playground.engine.scheduler.scores import SCORE_WEIGHTS


def explain(result: ScheduleResult) -> list[str]:
    """Human-readable lines describing the decision and every examined node."""
    lines: list[str] = []
    if result.node_name is None:
        lines.append(f"Pending: {result.message}")
        if result.nominated_node_name:
            names = ", ".join(
                f"{(v.get('metadata') or {}).get('namespace', 'default')}/"
                f"{(v.get('metadata') or {}).get('name', '')}" for v in result.victims)
            lines.append(f"Preemption nominated {result.nominated_node_name}; "
                         f"evicting {names}.")
        for item in result.diagnoses:
            lines.append(f"{item.node_name}: rejected by {item.plugin}: "
                         + "; ".join(item.reasons))
        return lines
    lines.append(f"Scheduled on {result.node_name} "
                 f"({result.feasible_nodes} of {result.evaluated_nodes} examined nodes fit).")
    scored = sorted((d for d in result.diagnoses if d.feasible),
                    key=lambda d: -(d.total_score or 0))
    for item in scored:
        if item.scores is None:
            lines.append(f"{item.node_name}: the only feasible node, so no scoring was needed")
            continue
        detail = ", ".join(f"{name} {score}×{SCORE_WEIGHTS[name]}"
                           for name, score in item.scores.items())
        lines.append(f"{item.node_name}: score {item.total_score} ({detail})")
    for item in result.diagnoses:
        if not item.feasible:
            lines.append(f"{item.node_name}: rejected by {item.plugin}: "
                         + "; ".join(item.reasons))
    return lines
