//! Opening the data dir: one server per directory (an exclusive lock file), SQLite in WAL mode,
//! and schema migrations.

use crate::readers::Readers;
use crate::{Db, Tx};
use localvpc_model::Ec2Error;
use rusqlite::{Connection, TransactionBehavior};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_foundation.sql"),
    include_str!("../migrations/0002_interfaces.sql"),
    include_str!("../migrations/0003_elastic_ips.sql"),
    include_str!("../migrations/0004_interface_lookups.sql"),
    include_str!("../migrations/0005_tag_lookups.sql"),
    include_str!("../migrations/0006_address_blocks.sql"),
    include_str!("../migrations/0007_instance_settling.sql"),
    include_str!("../migrations/0008_ipv6.sql"),
    include_str!("../migrations/0009_launch_templates.sql"),
    include_str!("../migrations/0010_dhcp_options.sql"),
    include_str!("../migrations/0011_client_attributes.sql"),
    include_str!("../migrations/0012_network_insights.sql"),
    include_str!("../migrations/0013_nat_gateways.sql"),
    include_str!("../migrations/0014_volumes.sql"),
    include_str!("../migrations/0015_prefixes.sql"),
    include_str!("../migrations/0016_prefix_lists.sql"),
    include_str!("../migrations/0017_ipv6_rules.sql"),
    include_str!("../migrations/0018_peering.sql"),
    include_str!("../migrations/0019_vpc_endpoints.sql"),
];

/// The writer's page cache at most (SQLite's default is 2 MiB).
const WRITER_CACHE_KIB: i64 = 64 * 1024;
/// WAL pages (4 KiB) between automatic checkpoints (SQLite's default is 1,000): 8 MiB, as a
/// restart after a kill reads the whole WAL before the first answer.
const CHECKPOINT_PAGES: i64 = 2 * 1024;

/// Why a data dir could not be opened. Each names the fix.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot create or write data dir {0}: {1}")]
    Unwritable(PathBuf, std::io::Error),
    #[error("data dir {0} is in use by another localvpc server (lock held on {1})")]
    Locked(PathBuf, PathBuf),
    #[error(
        "data dir {dir} holds schema version {found}, newer than this localvpc knows ({known}); upgrade localvpc or use another --data-dir"
    )]
    NewerSchema {
        dir: PathBuf,
        found: i64,
        known: i64,
    },
    #[error(
        "data dir {0} is full (the database cannot grow); free some space or use another --data-dir"
    )]
    Full(PathBuf),
    #[error("database error in {0}: {1}")]
    Sqlite(PathBuf, rusqlite::Error),
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

pub struct Store {
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
        let store = Self {
            conn: Mutex::new(conn),
            readers: Readers::default(),
            path,
            dir_lock: Some(lock),
        };
        store.prepare(dir)?;
        Ok(store)
    }

    /// A private in-memory database, for tests.
    pub fn in_memory() -> Result<Self, OpenError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| OpenError::Sqlite(path.clone(), e))?;
        let store = Self {
            conn: Mutex::new(conn),
            readers: Readers::default(),
            path: path.clone(),
            dir_lock: None,
        };
        store.prepare(&path)?;
        Ok(store)
    }

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
                dir: dir.to_owned(),
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

    /// The connection. A panic while it was held rolled its transaction back, so it is usable.
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` in one transaction for the partition of `account` in `region`: committed if
    /// `f` succeeds, rolled back if it fails. `f` also learns whether the partition is new, so
    /// the caller can give a new account what AWS gives it (the default VPC).
    pub fn transact<T>(
        &self,
        account: &str,
        region: &str,
        f: impl FnOnce(&mut Tx, bool) -> Result<T, Ec2Error>,
    ) -> Result<T, Ec2Error> {
        let mut conn = self.lock();
        let sql = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .db()?;
        let mut tx = Tx { sql, pid: 0 };
        let created = tx.enter_partition(account, region)?;
        let value = f(&mut tx, created)?;
        tx.sql.commit().db()?;
        Ok(value)
    }

    /// Wipes every account's state (the schema stays).
    pub fn reset(&self) -> Result<(), Ec2Error> {
        let mut conn = self.lock();
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
        tx.commit().db()
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
