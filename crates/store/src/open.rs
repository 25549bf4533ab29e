//! Opening a store: an SQLite data dir (one server per directory, an exclusive lock file, WAL
//! mode) or a PostgreSQL database (any number of servers), with their schema migrations, and
//! running transactions on either.

use crate::error::StoreError;
use crate::readers::Readers;
use crate::sql::Engine;
use crate::{Db, Tx};
use localvpc_model::Ec2Error;
use rusqlite::{Connection, TransactionBehavior};
use std::cell::RefCell;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The migrations, each in both engines' dialects under one name: one cannot be added to one
/// engine only (the PostgreSQL file is `migrations/postgres/<name>.sql`).
macro_rules! migrations {
    ($($name:literal),* $(,)?) => {
        const MIGRATIONS: &[&str] = &[$(include_str!(concat!("../migrations/", $name, ".sql"))),*];
        const POSTGRES_MIGRATIONS: &[&str] =
            &[$(include_str!(concat!("../migrations/postgres/", $name, ".sql"))),*];
    };
}

migrations!(
    "0001_foundation",
    "0002_interfaces",
    "0003_elastic_ips",
    "0004_interface_lookups",
    "0005_tag_lookups",
    "0006_address_blocks",
    "0007_instance_settling",
    "0008_ipv6",
    "0009_launch_templates",
    "0010_dhcp_options",
    "0011_client_attributes",
    "0012_network_insights",
    "0013_nat_gateways",
    "0014_volumes",
    "0015_prefixes",
    "0016_prefix_lists",
    "0017_ipv6_rules",
    "0018_peering",
    "0019_vpc_endpoints",
);

/// The writer's page cache at most (SQLite's default is 2 MiB).
const WRITER_CACHE_KIB: i64 = 64 * 1024;
/// WAL pages (4 KiB) between automatic checkpoints (SQLite's default is 1,000): 8 MiB, as a
/// restart after a kill reads the whole WAL before the first answer.
const CHECKPOINT_PAGES: i64 = 2 * 1024;

/// Why a store could not be opened. Each names the fix.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot create or write data dir {0}: {1}")]
    Unwritable(PathBuf, std::io::Error),
    #[error("data dir {0} is in use by another localvpc server (lock held on {1})")]
    Locked(PathBuf, PathBuf),
    /// `store` is `data dir …` or `database …`, `option` the flag that chooses another.
    #[error(
        "{store} holds schema version {found}, newer than this localvpc knows ({known}); upgrade localvpc or use another {option}"
    )]
    NewerSchema {
        store: String,
        option: &'static str,
        found: i64,
        known: i64,
    },
    #[error(
        "data dir {0} is full (the database cannot grow); free some space or use another --data-dir"
    )]
    Full(PathBuf),
    #[error("database error in {0}: {1}")]
    Sqlite(PathBuf, rusqlite::Error),
    #[error("--database {0} is not a PostgreSQL URL: {1}")]
    BadUrl(String, postgres::Error),
    /// The database and why (with the cause: `postgres::Error` alone says only "error
    /// connecting to server").
    #[error("cannot reach database {0}: {1}; start PostgreSQL or fix --database")]
    Unreachable(String, String),
    #[error("database error in {0}: {1}")]
    Postgres(String, String),
}

impl OpenError {
    /// Names the fix for the SQLite failures an operator can act on: a full disk, a read-only
    /// or unopenable file.
    fn sqlite(path: &Path, e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as Code;
        let dir = path.parent().unwrap_or(path).to_owned();
        match e.sqlite_error_code() {
            Some(Code::DiskFull) => Self::Full(dir),
            Some(Code::ReadOnly | Code::CannotOpen | Code::PermissionDenied) => {
                Self::Unwritable(dir, std::io::Error::other(e))
            }
            _ => Self::Sqlite(path.to_owned(), e),
        }
    }
}

/// `e` and what caused it, as one line.
fn with_cause(e: &postgres::Error) -> String {
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

/// How long a server waits for PostgreSQL to answer a connection, unless the URL says
/// (`connect_timeout`).
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

pub struct Store {
    pub(crate) engine: Backend,
}

/// The engine a store runs on.
pub(crate) enum Backend {
    Sqlite(Sqlite),
    /// Boxed: the pool's configuration is large and every call matches on this.
    Postgres(Box<crate::pg::Pool>),
}

/// An SQLite store: a data dir (or memory) that one server holds.
pub(crate) struct Sqlite {
    /// The writer: every write transaction, one at a time.
    conn: Mutex<Connection>,
    /// Connections for read-only transactions (see `readers.rs`); unused in memory.
    pub(crate) readers: Readers,
    path: PathBuf,
    /// Held for the life of the store: the OS releases it if the process dies.
    dir_lock: Option<File>,
}

impl Store {
    /// Opens (creating if needed) the database in `dir`, refusing a dir another server holds.
    pub fn open(dir: &Path) -> Result<Self, OpenError> {
        std::fs::create_dir_all(dir).map_err(|e| OpenError::Unwritable(dir.to_owned(), e))?;
        let lock_path = dir.join("localvpc.lock");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| OpenError::Unwritable(dir.to_owned(), e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(OpenError::Locked(dir.to_owned(), lock_path));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(OpenError::Unwritable(dir.to_owned(), e));
            }
        }
        let path = dir.join("localvpc.sqlite3");
        let conn = Connection::open(&path).map_err(|e| OpenError::sqlite(&path, e))?;
        let db = Sqlite {
            conn: Mutex::new(conn),
            readers: Readers::default(),
            path,
            dir_lock: Some(lock),
        };
        db.prepare(dir)?;
        Ok(Self::sqlite(db))
    }

    /// A private in-memory database, for tests.
    pub fn in_memory() -> Result<Self, OpenError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| OpenError::Sqlite(path.clone(), e))?;
        let db = Sqlite {
            conn: Mutex::new(conn),
            readers: Readers::default(),
            path: path.clone(),
            dir_lock: None,
        };
        db.prepare(&path)?;
        Ok(Self::sqlite(db))
    }

    fn sqlite(db: Sqlite) -> Self {
        Self {
            engine: Backend::Sqlite(db),
        }
    }

    /// Connects to the PostgreSQL database at `url` (`postgres://user:password@host/db`; a host
    /// that starts with `/`, percent-encoded, is a Unix socket directory), migrating its schema.
    /// Any number of servers may share one database.
    pub fn connect(url: &str) -> Result<Self, OpenError> {
        let shown = crate::pg::without_password(url);
        let mut config: postgres::Config = url
            .parse()
            .map_err(|e| OpenError::BadUrl(shown.clone(), e))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("localvpc");
        }
        let mut client = crate::pg::Pool::connect(&config)
            .map_err(|e| OpenError::Unreachable(shown.clone(), with_cause(&e)))?;
        let postgres = |e| OpenError::Postgres(shown.clone(), with_cause(&e));
        if let crate::pg::Schema::Newer(found) =
            crate::pg::bootstrap(&mut client, POSTGRES_MIGRATIONS).map_err(postgres)?
        {
            return Err(OpenError::NewerSchema {
                store: format!("database {shown}"),
                option: "--database",
                found,
                known: POSTGRES_MIGRATIONS.len() as i64,
            });
        }
        let indexes = crate::pg::unique_indexes(&mut client).map_err(postgres)?;
        let mut pool = crate::pg::Pool::new(config, shown, client);
        for (index, name) in indexes {
            match crate::constraint::named(&name) {
                Some(unique) => {
                    pool.constraints.insert(index, unique);
                }
                None => tracing::warn!(index, name, "a UNIQUE index constraint.rs does not list"),
            }
        }
        Ok(Self {
            engine: Backend::Postgres(Box::new(pool)),
        })
    }

    /// Runs `f` in one transaction for the partition of `account` in `region`: committed if
    /// `f` succeeds, rolled back if it fails. `f` also learns whether the partition is new, so
    /// the caller can give a new account what AWS gives it (the default VPC).
    ///
    /// On SQLite the writer runs one transaction at a time (`BEGIN IMMEDIATE`); on PostgreSQL
    /// each is `SERIALIZABLE`, and one that conflicts with another server's fails as
    /// `ServiceUnavailable` with nothing applied, which `http::execute` runs again.
    pub fn transact<T>(
        &self,
        account: &str,
        region: &str,
        f: impl FnOnce(&mut Tx, bool) -> Result<T, Ec2Error>,
    ) -> Result<T, Ec2Error> {
        let in_partition = |sql| {
            let mut tx = Tx { sql, pid: 0 };
            let created = tx.enter_partition(account, region)?;
            let value = f(&mut tx, created)?;
            tx.sql.commit()?;
            Ok(value)
        };
        match &self.engine {
            Backend::Sqlite(db) => {
                let mut conn = db.lock();
                let sql = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .db()?;
                in_partition(Engine::Sqlite(sql))
            }
            Backend::Postgres(pool) => {
                let mut lease = pool.take().db()?;
                let sql = lease.begin(true).db()?;
                in_partition(Engine::Postgres(RefCell::new(sql)))
            }
        }
    }

    /// Where the state lives, for logs: `data dir …`, `memory`, or `database …` (no password).
    pub fn location(&self) -> String {
        match &self.engine {
            Backend::Sqlite(db) => match db.file().and_then(Path::parent) {
                Some(dir) => format!("data dir {}", dir.display()),
                None => "memory".into(),
            },
            Backend::Postgres(pool) => format!("database {}", pool.shown),
        }
    }

    /// Runs `f` in a transaction of no partition that is always rolled back (for reads that
    /// find their partition themselves).
    pub(crate) fn read_unscoped<T>(
        &self,
        f: impl FnOnce(&mut Tx) -> Result<T, Ec2Error>,
    ) -> Result<T, Ec2Error> {
        match &self.engine {
            Backend::Sqlite(db) => {
                let mut conn = db.lock();
                let sql = conn
                    .transaction_with_behavior(TransactionBehavior::Deferred)
                    .db()?;
                f(&mut Tx {
                    sql: Engine::Sqlite(sql),
                    pid: 0,
                })
            }
            Backend::Postgres(pool) => {
                let mut lease = pool.take().db()?;
                let sql = lease.begin(false).db()?;
                f(&mut Tx {
                    sql: Engine::Postgres(RefCell::new(sql)),
                    pid: 0,
                })
            }
        }
    }

    /// The value every server of this store shares under `name` (the IMDS token key):
    /// `candidate` if none has one yet. A SQLite store has one server, so its value lives in
    /// that server's memory and dies with it.
    pub fn shared_secret(&self, name: &str, candidate: &str) -> Result<String, Ec2Error> {
        let Backend::Postgres(pool) = &self.engine else {
            return Ok(candidate.to_owned());
        };
        let mut lease = pool.take().db()?;
        let client = lease.client();
        let stored = client
            .execute(
                "INSERT INTO localvpc_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                &[&name, &candidate],
            )
            .and_then(|_| {
                client.query_one("SELECT value FROM localvpc_secrets WHERE name = $1", &[&name])
            })
            .map_err(|e| StoreError::from_postgres(e, &pool.constraints))
            .db()?;
        Ok(stored.get(0))
    }
}

impl Store {
    /// Wipes every account's state (the schema stays, with the rows its migrations seed).
    pub fn reset(&self) -> Result<(), Ec2Error> {
        match &self.engine {
            Backend::Sqlite(db) => {
                let mut conn = db.lock();
                let tx = conn.transaction().db()?;
                let tables: Vec<String> = tx
                    .prepare(
                        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                    )
                    .db()?
                    .query_map([], |r| r.get(0))
                    .db()?
                    .collect::<Result<_, _>>()
                    .db()?;
                tx.execute_batch("PRAGMA defer_foreign_keys = ON").db()?;
                for table in tables {
                    tx.execute(&format!("DELETE FROM \"{table}\""), []).db()?;
                }
                tx.execute_batch(SEEDED_ROWS).db()?;
                tx.commit().db()
            }
            Backend::Postgres(pool) => {
                let mut lease = pool.take().db()?;
                let mut tx = lease.begin(true).db()?;
                let tables: Vec<String> = tx
                    .query(
                        "SELECT quote_ident(tablename) FROM pg_tables
                         WHERE schemaname = current_schema() AND tablename NOT LIKE 'localvpc\\_%'",
                        &[],
                    )
                    .db()?
                    .iter()
                    .map(|row| row.get(0))
                    .collect();
                tx.batch(&format!("TRUNCATE {} RESTART IDENTITY", tables.join(", ")))
                    .db()?;
                tx.batch(SEEDED_ROWS).db()?;
                tx.commit().db()
            }
        }
    }
}

/// The rows migrations insert that the schema needs (both engines' dialect): the IPv6 pool's
/// cursor (0008).
const SEEDED_ROWS: &str = "INSERT INTO ipv6_pool_cursor (id, next) VALUES (1, 1)";

impl Store {
    /// The SQLite writer, for tests that read the schema.
    #[cfg(test)]
    pub(crate) fn sqlite_writer(&self) -> std::sync::MutexGuard<'_, Connection> {
        match &self.engine {
            Backend::Sqlite(db) => db.lock(),
            Backend::Postgres(_) => panic!("not an SQLite store"),
        }
    }
}

impl Sqlite {
    fn prepare(&self, dir: &Path) -> Result<(), OpenError> {
        let sqlite = |e| OpenError::sqlite(&self.path, e);
        let mut conn = self.conn.lock().expect("store mutex poisoned");
        // WAL + synchronous=NORMAL: a committed transaction survives the process being killed.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sqlite)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sqlite)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(sqlite)?;
        // A large partition's indexes stay in memory (pages are allocated only as they are
        // read), and the WAL is copied back (a checkpoint, with its fsyncs) every 8 MiB rather
        // than every 4 MiB: with the defaults, creating interfaces in a 100k partition spent
        // as much time in read/write/fsync calls as in localvpc.
        conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)
            .map_err(sqlite)?;
        conn.pragma_update(None, "wal_autocheckpoint", CHECKPOINT_PAGES)
            .map_err(sqlite)?;
        conn.set_prepared_statement_cache_capacity(256);
        // Keep each cached statement's plan: without this SQLite re-plans statements on reuse
        // (about a quarter of a Describe call's instructions, measured with callgrind).
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )
        .map_err(sqlite)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(sqlite)?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(OpenError::NewerSchema {
                store: format!("data dir {}", dir.display()),
                option: "--data-dir",
                found: version,
                known,
            });
        }
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = conn.transaction().map_err(sqlite)?;
            tx.execute_batch(migration).map_err(sqlite)?;
            tx.pragma_update(None, "user_version", index as i64 + 1)
                .map_err(sqlite)?;
            tx.commit().map_err(sqlite)?;
            tracing::debug!(version = index + 1, "applied schema migration");
        }
        Ok(())
    }

    /// The database file, `None` in memory.
    pub(crate) fn file(&self) -> Option<&Path> {
        self.dir_lock.is_some().then_some(self.path.as_path())
    }

    /// The writer. A panic while it was held rolled its transaction back, so it is usable.
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_server_on_same_dir_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let _first = Store::open(dir.path()).unwrap();
        match Store::open(dir.path()) {
            Err(OpenError::Locked(..)) => {}
            other => panic!("expected Locked, got {:?}", other.err()),
        }
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        let conn = Connection::open(dir.path().join("localvpc.sqlite3")).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        assert!(matches!(
            Store::open(dir.path()),
            Err(OpenError::NewerSchema { found: 99, .. })
        ));
    }
}
