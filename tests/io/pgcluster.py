"""A throwaway PostgreSQL cluster for the tests of tests/io: created with
initdb in a directory of its own, listening on a Unix socket there only (no
TCP), trust authentication, fsync off; run as the postgres user (or nobody)
when the tests run as root, since initdb refuses root. The directory that
holds it must then be enterable by that user (chmod 0755).

  if server_programs():
      pg = PgCluster(tmp, check)     # check(cond, what): the test's reporter
      url = pg.fresh()               # a new database: postgresql:///dbN?host=...
      rows = pg.rows("SELECT count(*) FROM documents")
      pg.stop()

Used by load_test.py and dask_test.py."""
import csv
import glob
import io
import os
import shutil
import subprocess
import sys


def server_programs():
    """initdb's path when PostgreSQL's server programs (and psql) are
    installed, else None."""
    initdb = shutil.which("initdb") or (sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or [None])[-1]
    if not initdb or not shutil.which("psql"):
        return None
    return initdb


def _run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


class PgCluster:
    def __init__(self, tmp, check, initdb=None):
        initdb = initdb or server_programs()
        self.check = check
        bindir = os.path.dirname(initdb)
        self.dir = os.path.join(tmp, "pg")
        os.mkdir(self.dir)
        self.as_user = []
        if os.geteuid() == 0:  # initdb refuses root: run the server as postgres (or nobody)
            import pwd
            user = "postgres"
            try:
                pw = pwd.getpwnam(user)
            except KeyError:
                user, pw = "nobody", pwd.getpwnam("nobody")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", user, "--"]
        data = os.path.join(self.dir, "data")
        p = _run(self.as_user + [initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                 "--locale=C.UTF-8"])
        if p.returncode:
            print(p.stdout, p.stderr)
            sys.exit(1)
        opts = f"-k {self.dir} -c listen_addresses='' -c fsync=off -c max_connections=30"
        p = _run(self.as_user + [os.path.join(bindir, "pg_ctl"), "-D", data, "-o", opts,
                                 "-l", os.path.join(self.dir, "log"), "-w", "start"])
        if p.returncode:
            print(p.stdout, p.stderr, open(os.path.join(self.dir, "log")).read())
            sys.exit(1)
        self.pg_ctl = [*self.as_user, os.path.join(bindir, "pg_ctl"), "-D", data, "-m", "immediate", "stop"]
        self.n = 0
        self.psql("postgres", "CREATE ROLE nopriv LOGIN")

    def stop(self):
        _run(self.pg_ctl)

    def url(self, db, user="postgres"):
        return f"postgresql:///{db}?host={self.dir}&user={user}"

    def psql(self, db, *commands, stdin=None, check_ok=True):
        cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url(db)]
        for c in commands:
            cmd += ["-c", c]
        p = subprocess.run(cmd, input=stdin, capture_output=True)
        if check_ok:
            self.check(p.returncode == 0, f"psql {commands}: {p.stderr.decode()}")
        return p

    def fresh(self):
        """A new, empty database, which becomes self.db (that rows() reads)."""
        self.n += 1
        self.db = f"db{self.n}"
        self.psql("postgres", f"CREATE DATABASE {self.db}")
        return self.url(self.db)

    def rows(self, sql, quiet=False):
        p = self.psql(self.db, f"COPY ({sql}) TO STDOUT (FORMAT csv)", check_ok=not quiet)
        if p.returncode:
            raise RuntimeError(p.stderr.decode())
        return [tuple(r) for r in csv.reader(io.StringIO(p.stdout.decode(), newline=""))]
