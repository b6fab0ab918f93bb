"""Tables and matplotlib plots of benchmarks/speed.py results (rows of one size and pipeline)."""

from __future__ import annotations

from pathlib import Path

COLUMNS = [  # (key, header, format)
    ("chunks", "chunks", "{:.0f}"), ("articles", "articles", "{:.0f}"), ("ingest_s", "ingest s", "{:.1f}"),
    ("chunks_per_s", "chunks/s", "{:.1f}"), ("articles_per_s", "articles/s", "{:.2f}"),
    ("chars_per_s", "chars/s", "{:.0f}"), ("peak_mb", "peak RSS MB", "{:.0f}"),
    ("bytes_per_chunk", "disk bytes/chunk", "{:.0f}"),
    ("retrieve_p50_ms", "retrieve p50 ms", "{:.1f}"), ("retrieve_p95_ms", "retrieve p95 ms", "{:.1f}"),
    ("ask_p50_ms", "ask p50 ms", "{:.1f}"), ("ask_p95_ms", "ask p95 ms", "{:.1f}"),
    ("first_answer_s", "start to first answer s", "{:.1f}"),
]
RATIOS = ["chunks_per_s", "chars_per_s", "peak_mb", "bytes_per_chunk", "retrieve_p50_ms"]


def table(results: list[dict]) -> str:
    """One Markdown table: a row per size and pipeline, and a row of assistant/tutorial ratios."""
    lines = ["| size | pipeline | " + " | ".join(h for _, h, _ in COLUMNS) + " |",
             "|" + "---|" * (len(COLUMNS) + 2)]
    for size in sorted({r["size"] for r in results}):
        rows = {r["pipeline"]: r for r in results if r["size"] == size}
        for name, row in rows.items():
            cells = [fmt.format(row[k]) if row.get(k) is not None else "-" for k, _, fmt in COLUMNS]
            lines.append(f"| {size} | {name} | " + " | ".join(cells) + " |")
        if {"assistant", "tutorial"} <= rows.keys():
            a, b = rows["assistant"], rows["tutorial"]
            cells = [f"{a[k] / b[k]:.2f}x" if k in RATIOS and b.get(k) else "" for k, _, _ in COLUMNS]
            lines.append(f"| {size} | ratio | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot(results: list[dict], out: Path) -> None:
    """throughput.png (chunks/s, chars/s) and latency.png (p50 and p95) against corpus size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def series(pipeline: str, key: str) -> tuple[list[int], list[float]]:
        rows = sorted((r for r in results if r["pipeline"] == pipeline and r.get(key) is not None),
                      key=lambda r: r["size"])
        return [r["size"] for r in rows], [r[key] for r in rows]

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, label in ((axes[0], "chunks_per_s", "chunks/s"), (axes[1], "chars_per_s", "characters/s")):
        for pipeline in ("assistant", "tutorial"):
            ax.plot(*series(pipeline, key), marker="o", label=pipeline)
        ax.set(xscale="log", xlabel="corpus size (project chunks)", ylabel=label, title=f"ingestion {label}")
        ax.legend()
    fig.tight_layout()
    fig.savefig(Path(out) / "throughput.png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4))
    for pipeline, key, style in (("assistant", "retrieve", "-"), ("assistant", "ask", "-"),
                                 ("tutorial", "retrieve", "--")):
        for pct in ("p50", "p95"):
            xs, ys = series(pipeline, f"{key}_{pct}_ms")
            if xs:
                ax.plot(xs, ys, style, marker="o" if pct == "p50" else "x", label=f"{pipeline} {key} {pct}")
    ax.set(xscale="log", yscale="log", xlabel="corpus size (project chunks)", ylabel="ms",
           title="query latency")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(Path(out) / "latency.png", dpi=100)
    plt.close(fig)
