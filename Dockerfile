FROM python:3.11-slim
WORKDIR /app
# torch first, with its exact pin (CPU wheel where the build host provides one): a looser pin pulls a newer, larger build.
RUN pip install --no-cache-dir torch==2.13.0
COPY pyproject.toml README.md ./
COPY bot bot
COPY knowledge knowledge
COPY indexer indexer
RUN pip install --no-cache-dir -e .
ENV FAIRBOT_DATA_DIR=/data FAIRBOT_HOST=0.0.0.0
VOLUME /data
EXPOSE 8000
CMD ["fairbot", "run"]
