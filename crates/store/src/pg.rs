//! PostgreSQL under `sql.rs`: a pool of connections, transactions with a statement cache,
//! parameters bound and columns read as [`Value`]s, and its errors typed as SQLite's are.
//!
//! The synchronous `postgres` client runs its own small runtime and blocks the calling thread,
//! as `rusqlite` does: every store call already runs on a blocking thread (`spawn_blocking`, or
//! before the server's runtime starts), never on an async worker, where it would panic.

mod schema;
mod values;

#[cfg(test)]
pub(crate) use schema::columns;
pub(crate) use schema::{Schema, bootstrap, unique_indexes};
pub(crate) use values::column;

use crate::constraint::Unique;
use crate::error::{StoreError, connection_lost};
use crate::sql::{Bound, Value};
use postgres::error::SqlState;
use postgres::types::{Kind, ToSql, Type};
use postgres::{Client, IsolationLevel, NoTls, Statement};
use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};

/// Connections one server holds at most; more concurrent calls wait for one to come back.
/// PostgreSQL's default `max_connections` (100) serves a dozen servers at this figure.
const MAX_CONNECTIONS: usize = 8;

/// Prepared statements kept per connection (SQLite's cache holds 256): the store's statements
/// are a fixed set, but `IN` lists of several lengths are statements of their own.
const STATEMENT_CACHE: usize = 512;

/// The store's UNIQUE constraints by the name PostgreSQL reports (the index's), so a lost race
/// answers what it answers on SQLite.
pub(crate) type Constraints = HashMap<String, &'static Unique>;

/// One connection and its prepared statements (which live as long as it does).
pub(crate) struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
    /// A statement found the connection lost (the client may not know yet): never reused.
    lost: bool,
}

/// Connections to one database, opened on need and reused; a connection found closed (the
/// server restarted, the network broke) is dropped and the next call opens a fresh one.
pub(crate) struct Pool {
    config: postgres::Config,
    /// The URL without its password, for messages.
    pub(crate) shown: String,
    pub(crate) constraints: Constraints,
    idle: Mutex<Idle>,
    returned: Condvar,
}

#[derive(Default)]
struct Idle {
    conns: Vec<Conn>,
    opened: usize,
}

impl Pool {
    pub(crate) fn new(config: postgres::Config, shown: String, first: Client) -> Self {
        Self {
            config,
            shown,
            constraints: Constraints::new(),
            idle: Mutex::new(Idle {
                conns: vec![Conn::new(first)],
                opened: 1,
            }),
            returned: Condvar::new(),
        }
    }

    /// Opens a connection to the pool's database.
    pub(crate) fn connect(config: &postgres::Config) -> Result<Client, postgres::Error> {
        config.connect(NoTls)
    }

    /// A connection for one transaction, given back when the lease drops.
    pub(crate) fn take(&self) -> Result<Lease<'_>, StoreError> {
        let mut idle = self.lock();
        loop {
            while let Some(conn) = idle.conns.pop() {
                if !conn.client.is_closed() {
                    return Ok(Lease {
                        pool: self,
                        conn: Some(conn),
                    });
                }
                idle.opened -= 1;
            }
            if idle.opened < MAX_CONNECTIONS {
                idle.opened += 1;
                drop(idle);
                return match Self::connect(&self.config) {
                    Ok(client) => {
                        tracing::debug!("connected to PostgreSQL");
                        Ok(Lease {
                            pool: self,
                            conn: Some(Conn::new(client)),
                        })
                    }
                    Err(e) => {
                        self.lock().opened -= 1;
                        Err(StoreError::Busy(format!(
                            "cannot reach {}: {e}",
                            self.shown
                        )))
                    }
                };
            }
            idle = self
                .returned
                .wait(idle)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    fn lock(&self) -> MutexGuard<'_, Idle> {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Pool {
    /// Closes the connections on a thread of their own: a `postgres::Client` blocks to close,
    /// and the last owner of the store may be an async worker (the server shutting down).
    fn drop(&mut self) {
        let conns = std::mem::take(&mut self.lock().conns);
        let _ = std::thread::spawn(move || drop(conns)).join();
    }
}

/// A connection taken from the pool.
pub(crate) struct Lease<'p> {
    pool: &'p Pool,
    conn: Option<Conn>,
}

impl Lease<'_> {
    /// Starts a transaction: `Serializable` for writes (see docs/ARCHITECTURE.md, "Storage"),
    /// `RepeatableRead` read-only for reads (one snapshot, as SQLite's readers have).
    pub(crate) fn begin(&mut self, write: bool) -> Result<Transaction<'_>, StoreError> {
        let pool = self.pool;
        let constraints = &pool.constraints;
        let Conn {
            client,
            statements,
            lost,
        } = self.conn.as_mut().expect("held until dropped");
        let level = if write {
            IsolationLevel::Serializable
        } else {
            IsolationLevel::RepeatableRead
        };
        let tx = client
            .build_transaction()
            .isolation_level(level)
            .read_only(!write)
            .start()
            .map_err(|e| {
                *lost |= connection_lost(&e);
                StoreError::from_postgres(e, constraints)
            })?;
        Ok(Transaction {
            tx,
            statements,
            constraints,
            lost,
        })
    }

    /// The bare client, for what runs outside the store's transactions.
    pub(crate) fn client(&mut self) -> &mut Client {
        &mut self.conn.as_mut().expect("held until dropped").client
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let conn = self.conn.take().expect("dropped once");
        let mut idle = self.pool.lock();
        if conn.lost || conn.client.is_closed() {
            idle.opened -= 1;
        } else {
            idle.conns.push(conn);
        }
        drop(idle);
        self.pool.returned.notify_one();
    }
}

impl Conn {
    fn new(client: Client) -> Self {
        Self {
            client,
            statements: HashMap::new(),
            lost: false,
        }
    }
}

/// One transaction, with its connection's statement cache.
pub(crate) struct Transaction<'c> {
    tx: postgres::Transaction<'c>,
    statements: &'c mut HashMap<String, Statement>,
    constraints: &'c Constraints,
    lost: &'c mut bool,
}

impl Transaction<'_> {
    pub(crate) fn query(
        &mut self,
        sql: &str,
        params: &[Bound],
    ) -> Result<Vec<postgres::Row>, StoreError> {
        let statement = self.statement(sql, params)?;
        let params: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        let rows = self.tx.query(&statement, &params);
        rows.map_err(|e| self.failed(e))
    }

    pub(crate) fn execute(&mut self, sql: &str, params: &[Bound]) -> Result<usize, StoreError> {
        let statement = self.statement(sql, params)?;
        let params: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        let changed = self.tx.execute(&statement, &params);
        changed.map(|n| n as usize).map_err(|e| self.failed(e))
    }

    /// Statements the store runs once (`reset`), not worth a cache entry.
    pub(crate) fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        let done = self.tx.batch_execute(sql);
        done.map_err(|e| self.failed(e))
    }

    pub(crate) fn commit(self) -> Result<(), StoreError> {
        let Self {
            tx,
            constraints,
            lost,
            ..
        } = self;
        tx.commit().map_err(|e| {
            *lost |= connection_lost(&e);
            StoreError::from_postgres(e, constraints)
        })
    }

    /// `e` typed, and the connection marked lost if it is.
    fn failed(&mut self, e: postgres::Error) -> StoreError {
        *self.lost |= connection_lost(&e);
        StoreError::from_postgres(e, self.constraints)
    }

    /// The prepared statement for `sql`, prepared on first use. Prepared statements belong to
    /// the session, so they outlive the transaction (even one rolled back).
    ///
    /// PostgreSQL types each parameter from its uses, and cannot when one is only tested
    /// (`?2 IS NULL OR vpc_id = ?2` types `?2` from its first use): such a statement is prepared
    /// again with its text and null parameters typed as text, the rest still inferred. The first
    /// attempt runs in a savepoint, as a failed statement would end the transaction.
    fn statement(&mut self, sql: &str, params: &[Bound]) -> Result<Statement, StoreError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let text = placeholders(sql);
        let prepared =
            self.tx
                .savepoint("prepare")
                .and_then(|mut attempt| match attempt.prepare(&text) {
                    Ok(statement) => attempt.commit().map(|()| Some(statement)),
                    Err(e) if untyped(&e) => Ok(None),
                    Err(e) => Err(e),
                });
        let prepared = match prepared {
            Ok(Some(statement)) => Ok(statement),
            Ok(None) => {
                let types: Vec<Type> = params.iter().map(|p| declared_type(&p.0)).collect();
                self.tx.prepare_typed(&text, &types)
            }
            Err(e) => Err(e),
        };
        let statement = prepared.map_err(|e| match self.failed(e) {
            StoreError::Database(detail) => StoreError::Database(format!("{detail} in {sql}")),
            other => other,
        })?;
        if self.statements.len() >= STATEMENT_CACHE {
            self.statements.clear();
        }
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

/// Whether PostgreSQL could not type a parameter (42P08 names an ambiguous one, 42P18 one it
/// found no type for).
fn untyped(e: &postgres::Error) -> bool {
    e.code().is_some_and(|c| {
        *c == SqlState::AMBIGUOUS_PARAMETER || *c == SqlState::INDETERMINATE_DATATYPE
    })
}

/// The type a parameter is declared with when PostgreSQL cannot infer it: text (or null) as
/// `TEXT`, anything else left to inference (OID 0), since an integer may be a `BIGINT` column
/// or an `INTEGER` argument.
fn declared_type(value: &Value) -> Type {
    match value {
        Value::Text(_) | Value::Null => Type::TEXT,
        Value::Int(_) | Value::Bool(_) => {
            Type::new("unspecified".into(), 0, Kind::Simple, "pg_catalog".into())
        }
    }
}

/// `sql` with SQLite's placeholders (`?1`, or a bare `?`: the next number) as PostgreSQL's
/// (`$1`); quoted text and identifiers are left alone.
pub(crate) fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut next = 1;
    let mut quote = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                out.push(c);
            }
            '?' => {
                let mut number = 0;
                let mut digits = 0;
                while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                    number = number * 10 + d as usize;
                    digits += 1;
                    chars.next();
                }
                if digits == 0 {
                    number = next;
                }
                next = number + 1;
                out.push('$');
                out.push_str(&number.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

/// `url` without its password, to show in messages and logs.
pub(crate) fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{path}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_postgres_ones() {
        assert_eq!(
            placeholders("SELECT a FROM t WHERE b = ?1 AND c IN (?2, ?10)"),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $10)"
        );
        assert_eq!(
            placeholders("VALUES (?, ?, ?5, ?)"),
            "VALUES ($1, $2, $5, $6)"
        );
        assert_eq!(
            placeholders("SELECT '?1', \"a?\" FROM t WHERE x = 'it''s ?' AND y = ?1"),
            "SELECT '?1', \"a?\" FROM t WHERE x = 'it''s ?' AND y = $1"
        );
    }

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            without_password("postgres://lv:secret@db.example:5432/lv"),
            "postgres://lv:***@db.example:5432/lv"
        );
        assert_eq!(
            without_password("postgres://lv@%2Ftmp%2Fpg/lv"),
            "postgres://lv@%2Ftmp%2Fpg/lv"
        );
        assert_eq!(without_password("host=/tmp user=lv"), "host=/tmp user=lv");
    }
}
