"""``mybigmovie train``: fit the recommender on the ratings in the log and publish it."""
from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from mybigmovie.bootstrap import Services
from mybigmovie.training import train
from recommender.settings import PRESETS

console = Console()


def register(subparsers) -> None:
    parser = subparsers.add_parser("train", help="train the recommender on the ratings in the log")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="fast",
                        help="fast (seconds, the default) or best (minutes, a little more accurate)")
    parser.add_argument("--include-synthetic", action="store_true",
                        help="also train on synthetic histories (benchmarks only)")
    parser.set_defaults(handler=run_train)


async def run_train(args, services: Services) -> int:
    with Progress(TextColumn("training"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        task = bar.add_task("training", total=None)
        model = await train(services, args.preset, args.include_synthetic,
                            progress=lambda done, total: bar.update(task, completed=done, total=total))
    console.print(f"model {model.version}: {len(model.user_ids):,} users, {len(model.item_ids):,} titles, "
                  f"trained in {model.training_seconds:.1f} s up to event {model.trained_up_to}; "
                  f"saved in {services.settings.model_dir}")
    return 0
