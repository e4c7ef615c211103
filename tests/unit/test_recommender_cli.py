"""`mybigmovie train` publishes a loadable model and reports progress."""
import json

from recommender import artifact, cli


def test_train_command_publishes_a_model(tmp_path, capsys):
    csv = tmp_path / "ratings.csv"
    rows = ["userId,movieId,rating,timestamp"] + [f"{u},{100 + (u * 7 + i) % 30},{1 + (u + i) % 5},0"
                                                  for u in range(30) for i in range(12)]
    csv.write_text("\n".join(rows) + "\n")
    models = tmp_path / "models"
    assert cli.main(["train", "--ratings", str(csv), "--models", str(models),
                     "--trained-up-to", "77"]) == 0
    model = artifact.load_latest(models)
    assert model.trained_up_to == 77 and len(model.user_ids) == 30
    assert "training [" in capsys.readouterr().err
    assert not (models / "TRAINING").exists()


def test_progress_marker_is_json_while_training(tmp_path):
    marker = cli.progress_marker(tmp_path)
    marker(3, 10)
    assert json.loads((tmp_path / "TRAINING").read_text()) == {"done": 3, "total": 10}
    marker(10, 10)
    assert not (tmp_path / "TRAINING").exists()
