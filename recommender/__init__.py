"""Rating prediction, ranking and explanations for MyBigMovie.

Pure functions over numpy arrays: no database, file-format or web code except
in `artifact` (model files) and `cli` (the `train` command).
"""
