//! Read-only transactions on their own connections: WAL lets any number of readers run beside
//! the one writer, each on the snapshot of the last commit, so Describe calls run in parallel
//! and never wait for (or block) a write. (PostgreSQL reads on its pool: `pg.rs`.)

use crate::open::{Backend, Store};
use crate::sql::Engine;
use crate::{Db, Tx};
use localvpc_model::Ec2Error;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::cell::RefCell;
use std::path::Path;
use std::sync::{Condvar, Mutex, MutexGuard};

/// At most this many reader connections (each has its own page cache); more concurrent reads
/// wait for one to come back.
const MAX_READERS: usize = 4;

/// Reader connections, opened on first need (an idle server holds none) and reused.
#[derive(Default)]
pub(crate) struct Readers {
    pool: Mutex<Pool>,
    returned: Condvar,
}

#[derive(Default)]
struct Pool {
    idle: Vec<Connection>,
    opened: usize,
}

impl Readers {
    fn take(&self, path: &Path) -> Result<Connection, Ec2Error> {
        let mut pool = self.lock();
        loop {
            if let Some(conn) = pool.idle.pop() {
                return Ok(conn);
            }
            if pool.opened < MAX_READERS {
                pool.opened += 1;
                drop(pool);
                return open_reader(path).inspect_err(|_| self.lock().opened -= 1);
            }
            pool = self
                .returned
                .wait(pool)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    fn give_back(&self, conn: Connection) {
        self.lock().idle.push(conn);
        self.returned.notify_one();
    }

    fn lock(&self) -> MutexGuard<'_, Pool> {
        self.pool
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A read-only connection: a handler that tries to write fails (`InternalError`) instead of
/// changing state outside the writer's transaction.
fn open_reader(path: &Path) -> Result<Connection, Ec2Error> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .db()?;
    conn.set_prepared_statement_cache_capacity(256);
    // Wait out a moment's lock (WAL recovery after a kill) as the writer does, not fail.
    conn.busy_timeout(std::time::Duration::from_secs(5)).db()?;
    // Stable plans for cached statements, as on the writer (see `Store::prepare`).
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )
    .db()?;
    Ok(conn)
}

impl Store {
    /// Runs `f` in a read-only transaction of the partition of `account` in `region`, which is
    /// always rolled back. `None` if the partition does not exist yet (only a write provisions
    /// one). In-memory stores (tests) read on their single connection; PostgreSQL reads on a
    /// pooled connection, in a `REPEATABLE READ` snapshot.
    pub fn read<T>(
        &self,
        account: &str,
        region: &str,
        f: impl FnOnce(&mut Tx) -> Result<T, Ec2Error>,
    ) -> Result<Option<T>, Ec2Error> {
        let db = match &self.engine {
            Backend::Sqlite(db) => db,
            Backend::Postgres(pool) => {
                let mut lease = pool.take().db()?;
                let sql = lease.begin(false).db()?;
                return read_partition(Engine::Postgres(RefCell::new(sql)), account, region, f);
            }
        };
        let Some(path) = db.file() else {
            let mut conn = db.lock();
            let sql = deferred(&mut conn)?;
            return read_partition(sql, account, region, f);
        };
        let mut conn = db.readers.take(path)?;
        let result = deferred(&mut conn).and_then(|sql| read_partition(sql, account, region, f));
        db.readers.give_back(conn);
        result
    }
}

fn deferred(conn: &mut Connection) -> Result<Engine<'_>, Ec2Error> {
    conn.transaction_with_behavior(TransactionBehavior::Deferred)
        .map(Engine::Sqlite)
        .db()
}

fn read_partition<T>(
    sql: Engine<'_>,
    account: &str,
    region: &str,
    f: impl FnOnce(&mut Tx) -> Result<T, Ec2Error>,
) -> Result<Option<T>, Ec2Error> {
    let mut tx = Tx { sql, pid: 0 };
    let pid = tx.row(
        "SELECT id FROM partitions WHERE account = ?1 AND region = ?2",
        &[&account, &region],
        |r| r.get(0),
    )?;
    let Some(pid) = pid else {
        return Ok(None);
    };
    tx.pid = pid;
    f(&mut tx).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_see_commits_and_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let read_count = |store: &Store| {
            store.read("111122223333", "eu-west-1", |tx| {
                tx.count_network_interfaces()
            })
        };
        assert_eq!(read_count(&store).unwrap(), None, "no partition yet");
        store
            .transact("111122223333", "eu-west-1", |_, _| Ok(()))
            .unwrap();
        assert_eq!(read_count(&store).unwrap(), Some(0));
        let write = store.read("111122223333", "eu-west-1", |tx| {
            tx.set_tags("vpc-1", &[localvpc_model::Tag::new("k", "v")])
        });
        assert_eq!(
            write.unwrap_err().code,
            localvpc_model::ErrorCode::InternalError
        );
    }

    #[test]
    fn concurrent_reads_share_the_pool() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .transact("111122223333", "eu-west-1", |_, _| Ok(()))
            .unwrap();
        std::thread::scope(|s| {
            for _ in 0..3 * MAX_READERS {
                s.spawn(|| {
                    for _ in 0..20 {
                        let n = store
                            .read("111122223333", "eu-west-1", |tx| {
                                tx.count_network_interfaces()
                            })
                            .unwrap();
                        assert_eq!(n, Some(0));
                    }
                });
            }
        });
        let Backend::Sqlite(db) = &store.engine else {
            unreachable!("opened as SQLite")
        };
        assert!(db.readers.lock().opened <= MAX_READERS);
    }
}
