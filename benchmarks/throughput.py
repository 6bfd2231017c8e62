"""Sentences per second of Scorer.score_many on one core, next to vaderSentiment's polarity_scores, same sentences.

    .venv/bin/python benchmarks/throughput.py [--sentences 50000] [--model models/escalation.joblib]

The input is the five seed documents replicated until the total reaches --sentences; both scorers see exactly the
same sentences (VADER gets them pre-split, as it scores one sentence per call; ours splits the documents itself).

Timing: the CPU speed of the shared machines this runs on swings by up to 2x within seconds (the calibration loop
printed first shows it), which swamps any comparison of two runs made seconds apart. So the corpus is cut into slices
of --slice documents (about a thousand sentences, still one score_many call each); every slice is scored by both
contenders back to back, --repeats times, and each contender's best time per slice is summed. One whole-corpus call
of each is also timed once and printed, for reference.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=50_000)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "escalation.joblib")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per slice; the best counts")
    parser.add_argument("--slice", type=int, default=40, help="documents per slice")
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core for both contenders

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from service.scoring import Scorer
    from service.text import normalise, split_sentences

    seeds = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "seeds").glob("*.txt"))]
    per_round = sum(len(split_sentences(normalise(text))) for text in seeds)
    rounds = -(-args.sentences // per_round)
    documents = seeds * rounds
    split = [[s.text for s in split_sentences(normalise(text))] for text in documents]
    total = sum(map(len, split))
    print(f"{len(documents)} documents, {total} sentences ({per_round} per copy of the seeds), one core")
    calibration = [_timed(_spin) for _ in range(5)]
    print(f"calibration loop: {min(calibration) * 1e3:.0f} to {max(calibration) * 1e3:.0f} ms over 5 runs")

    scorer = Scorer.load(args.model)
    vader = SentimentIntensityAnalyzer()
    scorer.score_many(documents[:5])  # warm-up

    ours = theirs = 0.0
    for start in range(0, len(documents), args.slice):
        batch = documents[start : start + args.slice]
        sentences = [sentence for per_document in split[start : start + args.slice] for sentence in per_document]
        best_ours = best_theirs = float("inf")
        for _ in range(args.repeats):
            best_ours = min(best_ours, _timed(lambda: scorer.score_many(batch)))  # noqa: B023
            best_theirs = min(best_theirs, _timed(lambda: [vader.polarity_scores(s) for s in sentences]))  # noqa: B023
        ours += best_ours
        theirs += best_theirs
    all_sentences = [sentence for per_document in split for sentence in per_document]
    whole_ours = _timed(lambda: scorer.score_many(documents))
    whole_theirs = _timed(lambda: [vader.polarity_scores(s) for s in all_sentences])

    ours_rate, vader_rate = total / ours, total / theirs
    print(f"slices of {args.slice} documents, best of {args.repeats} per slice:")
    print(f"  Scorer.score_many         {ours:7.2f} s  {ours_rate:9,.0f} sentences/s")
    print(f"  VADER polarity_scores     {theirs:7.2f} s  {vader_rate:9,.0f} sentences/s")
    print(f"  ratio                     {ours_rate / vader_rate:7.2f}x")
    print(f"one call over all {len(documents)} documents, timed once (at the machine's speed of the moment):")
    print(f"  Scorer.score_many         {whole_ours:7.2f} s  {total / whole_ours:9,.0f} sentences/s")
    print(f"  VADER polarity_scores     {whole_theirs:7.2f} s  {total / whole_theirs:9,.0f} sentences/s")


def _spin() -> None:
    total = 0
    for number in range(2_000_000):
        total += number


def _timed(work: Callable[[], object]) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


if __name__ == "__main__":
    main()
