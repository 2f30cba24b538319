# The movedesk image of compose.yaml: the package with its web, PostgreSQL, Dask and live extras.
FROM python:3.11-slim
RUN useradd --create-home movedesk
WORKDIR /opt/movedesk
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir ".[web,postgres,dask,live]"
USER movedesk
EXPOSE 8000
CMD ["movedesk", "serve", "--host", "0.0.0.0", "--workers", "4"]
