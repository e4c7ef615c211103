FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
COPY domain domain
COPY commands commands
COPY projections projections
COPY recommender recommender
COPY workers workers
COPY web web
COPY mybigmovie mybigmovie
COPY data data
RUN pip install --no-cache-dir -c requirements.lock . && useradd --system --home /var/lib/mybigmovie mybigmovie \
    && mkdir -p /var/lib/mybigmovie && chown mybigmovie /var/lib/mybigmovie
USER mybigmovie
EXPOSE 8000
CMD ["mybigmovie", "serve", "--no-workers"]
