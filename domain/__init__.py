"""The domain: events (facts), pure decision functions and domain errors. Imports nothing of ours."""
