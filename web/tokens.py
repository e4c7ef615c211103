"""The e-mailed links' tokens live in mybigmovie/tokens.py (the workers make some of them too)."""
from mybigmovie.tokens import LIFETIMES, MAX_TOKEN_LENGTH, LinkTokens  # noqa: F401
