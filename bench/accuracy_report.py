"""Parts of the accuracy report: the kiosk's confirmation on live-path embeddings, LFW-style 1:1
verification, and the DET curves (matplotlib, written as a PNG)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from bench.accuracy_data import Dataset, stable_fold
from bench.accuracy_eval import Rule, rates, wilson

SPARES = (0.0, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.06, 0.08)


def _confirm_rule(rule: Rule, spare: float, people: int) -> Rule:
    """A still face gives the same look every time, so the vote confirms it exactly when one look is under
    the confirm threshold: the rule with the threshold lowered to it (the margin is unchanged)."""
    from kiosk.core.matching import MatchPolicy

    policy = MatchPolicy(rule.threshold, rule.margin, rule.size_slope, confirm_spare=spare)
    return replace(rule, threshold=policy.confirm_threshold_for(people), size_slope=0.0)


def live_confirmation(bench, rule: Rule, alpha: float, shipped_spare: float) -> dict:
    """Live-path looks (5-point, unjittered) against the same templates. For each ``confirm_spare``: impostor
    acceptance on the calibration data (leave-one-out) and, held out, TPIR and the strangers accepted."""
    sweep = []
    for spare in SPARES:
        row = {"confirm_spare": spare, "sizes": []}
        for i, n in enumerate(bench.sizes):
            r = _confirm_rule(rule, spare, n)
            cal_imp = [imp for _, imp in bench.calibration((0, 1), "live")][i]
            held = rates(r, bench.t["genuine_live"][i], bench.t["strangers_live"][i])
            row["sizes"].append({
                "people": n, "confirm_threshold": round(r.threshold, 4),
                "calibration_fpir": round(float(r.accept(cal_imp).mean()), 5), **held,
                "fpir_ci95": [round(x, 4) for x in wilson(held["false_accepts"], held["strangers"])],
            })
        sweep.append(row)
    ok = [s for s in sweep if max(x["calibration_fpir"] for x in s["sizes"]) <= alpha]
    return {"alpha": alpha, "chosen_on_calibration": ok[0]["confirm_spare"] if ok else None,
            "shipped": shipped_spare, "sweep": sweep}


def _pairs(data: Dataset, kind: str, seed: int = 16) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """LFW-style pairs from the LFW people (distractors: same-person pairs; distractors and strangers_more:
    different-person pairs, as many, drawn with a fixed seed). Returns (distances, same, fold)."""
    d = data.distractor_photos
    vec = getattr(d, kind)
    by: dict[str, list[int]] = {}
    for i, p in enumerate(d.person):
        if np.isfinite(vec[i, 0]):
            by.setdefault(p, []).append(i)
    same = [(a, b) for rows in by.values() for k, a in enumerate(rows) for b in rows[k + 1 :]]
    s = data.strangers
    lfw = np.asarray([p.startswith("strangers_more/") for p in s.paths])
    pool = np.vstack([vec[np.isfinite(vec[:, 0])], getattr(s, kind)[lfw & np.isfinite(getattr(s, kind)[:, 0])]])
    owner = np.concatenate([d.person[np.isfinite(vec[:, 0])], np.asarray([p.split("/")[1] for p, m in
                                                                         zip(s.paths, lfw, strict=True) if m])])
    owner = owner[: len(pool)]
    rng = np.random.default_rng(seed)
    diff: list[tuple[int, int]] = []
    while len(diff) < len(same):
        a, b = rng.integers(0, len(pool), 2)
        if owner[a] != owner[b]:
            diff.append((int(a), int(b)))
    dist = np.concatenate([np.linalg.norm(vec[[a for a, _ in same]] - vec[[b for _, b in same]], axis=1),
                           np.linalg.norm(pool[[a for a, _ in diff]] - pool[[b for _, b in diff]], axis=1)])
    label = np.concatenate([np.ones(len(same), bool), np.zeros(len(diff), bool)])
    fold = np.asarray([stable_fold(d.person[a], 10) for a, _ in same] + [stable_fold(str(owner[a]), 10)
                                                                         for a, _ in diff])
    return dist, label, fold


def verification(data: Dataset) -> dict:
    """10-fold accuracy of "same person if distance < t", t chosen on the other 9 folds (LFW's protocol,
    on LFW people but our own pairs)."""
    out = {}
    for kind in ("photo", "live"):
        dist, label, fold = _pairs(data, kind)
        accs, ts = [], []
        for f in range(10):
            tr, te = fold != f, fold == f
            grid = np.arange(0.3, 0.8, 0.005)
            t = grid[int(np.argmax([((dist[tr] < g) == label[tr]).mean() for g in grid]))]
            accs.append(float(((dist[te] < t) == label[te]).mean()))
            ts.append(float(t))
        out[kind] = {"pairs_same": int(label.sum()), "pairs_different": int((~label).sum()),
                     "accuracy_mean": round(float(np.mean(accs)), 4), "accuracy_std": round(float(np.std(accs)), 4),
                     "threshold_mean": round(float(np.mean(ts)), 3)}
    return out


def det_curves(bench, rule: Rule, path: Path) -> dict:
    """FNIR (probes not recognised as the right person) against FPIR (strangers accepted) per gallery size,
    sweeping the threshold around the product's; the product's operating point marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=110)
    points = {}
    floor = 0.5 / len(bench.data.strangers.paths)
    for i, n in enumerate(bench.sizes):
        fp, fn, swept = [], [], []
        for delta in np.arange(-0.12, 0.1201, 0.0025):
            r = rates(replace(rule, threshold=rule.threshold + float(delta)), bench.t["genuine_photo"][i],
                      bench.t["strangers_photo"][i])
            swept.append((r["fpir"], r["tpir"]))
            fp.append(max(r["fpir"], floor))
            fn.append(max(1.0 - r["tpir"], floor))
        line, = ax.plot(fp, fn, label=f"{n} people enrolled")
        at = rates(rule, bench.t["genuine_photo"][i], bench.t["strangers_photo"][i])
        ax.plot([max(at["fpir"], floor)], [max(1 - at["tpir"], floor)], "o", color=line.get_color())
        # The ceiling, choosing the threshold on the reported strangers themselves (an oracle no product has):
        # the best TPIR any threshold reaches at <= 1 % of them, and the least FPIR at which 97 % is reached.
        at_1pct = [t for f, t in swept if f <= 0.01]
        for_97 = [f for f, t in swept if t >= 0.97]
        points[n] = {"fpir": at["fpir"], "fnir": round(1 - at["tpir"], 4),
                     "oracle_best_tpir_at_1pct_fpir": round(max(at_1pct), 4) if at_1pct else None,
                     "oracle_least_fpir_for_97pct_tpir": round(min(for_97), 4) if for_97 else None}
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.axvline(0.01, color="grey", lw=0.8, ls="--")
    ax.axhline(0.03, color="grey", lw=0.8, ls=":")
    ax.set_xlabel(f"FPIR: strangers accepted (of {len(bench.data.strangers.paths)}; 0 drawn at {floor:.4f})")
    ax.set_ylabel("FNIR: probes not recognised")
    ax.set_title("Open-set identification, product rule (dots: defaults)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return {"path": str(path), "operating_points": points}
