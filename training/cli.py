"""The `escalation` console script: the scoring commands from service.cli plus train, eval and corpus.

Training and evaluation (and through them scikit-learn, whose import alone takes seconds) are imported only by the
commands that use them, so `escalation score` and `escalation serve` start without scikit-learn.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from service.cli import build_parser, run
from service.errors import EscalationError
from service.settings import Settings
from training.paths import DEV_PATH, TRAIN_PATH


def command_train(args: argparse.Namespace) -> int:
    from training.train import train

    log = (lambda *a, **k: None) if args.quiet else (lambda message: print(message, file=sys.stderr))
    dev = None if args.no_dev else args.dev
    manifest = train(args.output, train_path=args.train, dev_path=dev, log=log)
    print(f"wrote {args.output} (sha256 {manifest['sha256'][:16]}...)")
    return 0


def command_eval(args: argparse.Namespace) -> int:
    from service.model import load_artifact
    from training.corpus import CorpusError, label_matrix, read_jsonl
    from training.evaluate import evaluate, format_report

    try:
        examples = read_jsonl(args.data)
    except CorpusError as exc:
        raise EscalationError(str(exc)) from None
    artifact = load_artifact(args.model or Settings.from_env().model_path)
    reports = evaluate(artifact, [e.text for e in examples], label_matrix(examples))
    if args.json:
        print(json.dumps({"data": str(args.data), "sentences": len(examples), "systems": reports}, indent=2))
    else:
        print(f"{args.data}: {len(examples)} sentences")
        print(format_report(reports))
    return 0


def command_corpus(args: argparse.Namespace) -> int:
    from training.corpus import main as build_corpus

    build_corpus()
    return 0


def parser() -> argparse.ArgumentParser:
    root, commands = build_parser()
    fit = commands.add_parser("train", help="train the model and write the artifact and its manifest")
    fit.add_argument("-o", "--output", type=Path, default=Settings.model_path, help="artifact path")
    fit.add_argument("--train", type=Path, default=TRAIN_PATH, help="training JSONL")
    fit.add_argument("--dev", type=Path, default=DEV_PATH, help="dev JSONL, evaluated only, never fitted")
    fit.add_argument("--no-dev", action="store_true", help="skip the dev evaluation")
    fit.add_argument("--quiet", action="store_true", help="print only the artifact path")
    fit.set_defaults(handler=command_train)

    check = commands.add_parser("eval", help="evaluate the model on a labeled JSONL file")
    check.add_argument("data", type=Path, help='JSONL with {"id", "text", "labels", "source"} lines')
    check.add_argument("--model", type=Path, default=None, help="model artifact (default: ESCALATION_MODEL_PATH)")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(handler=command_eval)

    corpus = commands.add_parser("corpus", help="rebuild fixtures/corpus/{train,dev}.jsonl from fixtures/raw")
    corpus.set_defaults(handler=command_corpus)
    return root


def main(argv: list[str] | None = None) -> int:
    return run(parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
