"""``python -m bench generate ...``, ``python -m bench run`` and ``python -m bench quality``: see bench/README.md."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="pressmark benchmarks")
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write a synthetic corpus and an annotated database")
    gen.add_argument("--articles", type=int, required=True, metavar="N", help="article files to write")
    gen.add_argument("--annotations", type=int, required=True, metavar="M", help="annotations to add")
    gen.add_argument("--db", type=Path, required=True, metavar="PATH", help="database to create (must not exist)")
    gen.add_argument("--dir", type=Path, metavar="DIR",
                     help="folder for the article files (default: PATH without its suffix, plus -articles)")
    gen.add_argument("--seed", type=int, default=None, help="random seed (default 6)")
    gen.add_argument("--big", type=int, default=None, metavar="K",
                     help="how many of the articles are ~1 MB (default 3 from 1,000 articles, 1 from 100)")
    gen.add_argument("--check", action="store_true", help="also run `pressmark export` and check its row count (slow on large databases: pressmark's current export query is quadratic in the annotations)")
    run = sub.add_parser("run", help="measure every figure, print a table, write bench/results.json")
    run.add_argument("--only", metavar="NAMES", help="comma-separated figure groups to run (see bench/run.py)")
    run.add_argument("--quick", action="store_true", help="fewer repetitions (for trying the harness out)")
    sub.add_parser("quality", help="segmentation, speakers, suggestions and alignment on the real corpus, per split",
                   add_help=False)
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["quality"]:
        from bench.quality import main as quality

        return quality(argv[1:])
    args = parser.parse_args(argv)
    if args.command == "generate":
        from bench.corpus import SEED, generate

        folder = args.dir or args.db.with_name(args.db.stem + "-articles")
        counts = generate(args.articles, args.annotations, args.db, folder,
                          SEED if args.seed is None else args.seed, check=args.check, big=args.big)
        print(f"{args.db}: {args.articles} articles from {folder}, {counts['annotations']} annotations "
              f"({counts['export_rows']} export rows)")
        return 0
    from bench.run import run_all

    return run_all(only=args.only.split(",") if args.only else None, quick=args.quick)


if __name__ == "__main__":
    sys.exit(main())
