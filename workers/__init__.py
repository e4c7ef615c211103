"""Background work on Dramatiq: e-mailing picks, retraining the model, and the scheduler."""
