"""A throwaway PostgreSQL cluster for tests and benchmarks: ``initdb`` in a temp folder, the server on a free
loopback port, stopped and deleted at exit. Uses Debian's server binaries (``apt-get install postgresql``);
run as root, the cluster is owned by the ``postgres`` account, since PostgreSQL refuses to run as root.

    python -m movedesk.testing.postgres start /tmp/pg    # prints the URL; `stop /tmp/pg` stops it
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: Settings of a cluster whose data is thrown away: durability off, so tests pay no fsync.
_THROWAWAY = ("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
              "-c", "max_connections=200")  # fmt: skip


def server_binaries() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: Debian's newest ``/usr/lib/postgresql/N/bin``, else PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_owner(args: list[str]) -> list[str]:
    """The command run as ``postgres`` when we are root (initdb and postgres refuse root)."""
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


def start(folder: Path) -> str:
    """initdb into ``folder`` and start the server on loopback; returns its URL (database ``postgres``)."""
    bins = server_binaries()
    if bins is None:
        raise FileNotFoundError("PostgreSQL's server binaries were not found: apt-get install postgresql")
    folder.mkdir(parents=True, exist_ok=True)
    data, sockets = folder / "data", folder / "run"
    sockets.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(sockets, "postgres")
    subprocess.run(
        _as_owner([str(bins / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                   "--locale=C"]),
        check=True, capture_output=True,
    )  # fmt: skip
    port = _free_port()
    options = " ".join([*_THROWAWAY, "-c", "listen_addresses=127.0.0.1", "-p", str(port), "-k", str(sockets)])
    subprocess.run(
        _as_owner([str(bins / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-o", options, "-w",
                   "start"]),
        check=True, capture_output=True,
    )  # fmt: skip
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    (folder / "url").write_text(url)
    return url


def stop(folder: Path) -> None:
    bins = server_binaries()
    if bins is not None and (folder / "data").exists():
        subprocess.run(_as_owner([str(bins / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "stop"]),
                       capture_output=True)  # fmt: skip


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """A running cluster for the duration of the block; yields its URL."""
    folder = Path(tempfile.mkdtemp(prefix="movedesk-pg-"))
    os.chmod(folder, 0o755)
    try:
        yield start(folder)
    finally:
        stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


def create_schema(server: str) -> str:
    """A new, empty schema on ``server``, as a store URL (its ``search_path`` set to the schema)."""
    import uuid
    from urllib.parse import quote

    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{server}?options={quote(f'-csearch_path={schema}')}"


def drop_schema(server: str, url: str) -> None:
    """Drop the schema :func:`create_schema` made for ``url``."""
    import psycopg

    schema = url.rsplit("search_path%3D", 1)[1]
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: python -m movedesk.testing.postgres start|stop FOLDER", file=sys.stderr)
        return 2
    folder = Path(argv[1])
    if argv[0] == "start":
        print(start(folder))
    else:
        stop(folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
