"""`python -m benchmarks NAME [options]`: speed, folds, numbers, photos, personalize, nondigits,
recipes, browser."""

import importlib
import os
import sys

BENCHMARKS = {
    "speed": "time preprocessing and inference; accuracy and training speed (README table)",
    "folds": "people it never saw, fold by fold: the mean over the five writer folds",
    "numbers": "accuracy on composed multi-digit numbers",
    "photos": "accuracy on synthetic photos of digits on paper",
    "personalize": "what training with a writer's drawings does for that writer",
    "nondigits": "letters, scribbles and shapes refused; unseen writers' digits kept",
    "recipes": "what each lever of the training recipe does (trains; hours on a CPU)",
    "browser": "the app in a real browser: pen release to answer, 10 sessions, idle cost, watcher",
}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark named first in `argv` with the rest of the arguments."""
    arguments = sys.argv[1:] if argv is None else argv
    if not arguments or arguments[0] not in BENCHMARKS:
        print("usage: python -m benchmarks BENCHMARK [options]\n", file=sys.stderr)
        for name, summary in BENCHMARKS.items():
            print(f"  {name:<12} {summary}", file=sys.stderr)
        return 0 if arguments[:1] in (["-h"], ["--help"]) else 2
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    module = importlib.import_module(f"benchmarks.{arguments[0]}")
    return module.main(arguments[1:])


if __name__ == "__main__":
    sys.exit(main())
