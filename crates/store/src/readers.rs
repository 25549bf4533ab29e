//! Read-only transactions on their own connections: WAL lets any number of readers run beside
//! the one writer, each on the snapshot of the last commit, so Describe calls run in parallel
//! and never wait for (or block) a write.

use crate::open::Store;
use crate::{Db, Tx};
use localvpc_model::Ec2Error;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
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
    /// one). In-memory stores (tests) read on their single connection.
    pub fn read<T>(
        &self,
        account: &str,
        region: &str,
        f: impl FnOnce(&mut Tx) -> Result<T, Ec2Error>,
    ) -> Result<Option<T>, Ec2Error> {
        let Some(path) = self.file() else {
            let mut conn = self.lock();
            return read_partition(&mut conn, account, region, f);
        };
        let mut conn = self.readers.take(path)?;
        let result = read_partition(&mut conn, account, region, f);
        self.readers.give_back(conn);
        result
    }
}

fn read_partition<T>(
    conn: &mut Connection,
    account: &str,
    region: &str,
    f: impl FnOnce(&mut Tx) -> Result<T, Ec2Error>,
) -> Result<Option<T>, Ec2Error> {
    let sql = conn
        .transaction_with_behavior(TransactionBehavior::Deferred)
        .db()?;
    let pid: Option<i64> = sql
        .prepare_cached("SELECT id FROM partitions WHERE account = ?1 AND region = ?2")
        .db()?
        .query_row(params![account, region], |r| r.get(0))
        .optional()
        .db()?;
    let Some(pid) = pid else {
        return Ok(None);
    };
    f(&mut Tx { sql, pid }).map(Some)
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
        assert!(store.readers.lock().opened <= MAX_READERS);
    }
}
