//! Storage failures, typed, and the one place they become the caller's EC2 errors.
//!
//! The model checks every invariant before a write; the schema's constraints are the last word
//! when two calls race past that check. A lost race therefore answers what the model would have
//! said (`constraint.rs` maps each UNIQUE constraint), never `InternalError`. Both engines'
//! errors become the same `StoreError`s, so the caller's answers do not depend on the engine.

use crate::constraint::{self, Answer, Unique};
use localvpc_model::Ec2Error;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A row the statement needed is not there: a query that must find one, or a reference to
    /// a row another call deleted meanwhile.
    #[error("row not found: {0}")]
    NotFound(String),
    /// A UNIQUE constraint refused the write: another call holds what this one wanted.
    #[error("constraint {} refused the write", .0.name)]
    Conflict(&'static Unique),
    /// The database cannot serve the call now (locked, a serialization failure, unreachable);
    /// nothing was applied.
    #[error("database busy: {0}")]
    Busy(String),
    /// Anything else: localvpc's fault, never the caller's.
    #[error("database error: {0}")]
    Database(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as Code;
        use rusqlite::ffi;
        match &e {
            rusqlite::Error::QueryReturnedNoRows => Self::NotFound(e.to_string()),
            rusqlite::Error::SqliteFailure(f, message) => match (f.code, f.extended_code) {
                (
                    Code::ConstraintViolation,
                    ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY,
                ) => message
                    .as_deref()
                    .and_then(constraint::from_sqlite_message)
                    .map_or_else(|| Self::Database(e.to_string()), Self::Conflict),
                (Code::ConstraintViolation, ffi::SQLITE_CONSTRAINT_FOREIGNKEY) => {
                    Self::NotFound(e.to_string())
                }
                (Code::DatabaseBusy | Code::DatabaseLocked, _) => Self::Busy(e.to_string()),
                _ => Self::Database(e.to_string()),
            },
            _ => Self::Database(e.to_string()),
        }
    }
}

impl StoreError {
    /// PostgreSQL's failures as SQLite's: a UNIQUE violation names its constraint as
    /// `constraint.rs` does (`constraints`: by index name), a foreign key's is a row gone, a
    /// serialization failure or deadlock (another server's transaction won) and a lost or
    /// refused connection are busy (nothing was applied; the caller may run the call again).
    pub(crate) fn from_postgres(e: postgres::Error, constraints: &crate::pg::Constraints) -> Self {
        use postgres::error::SqlState;
        if connection_lost(&e) {
            return Self::Busy(format!("connection to PostgreSQL lost: {e}"));
        }
        let Some(code) = e.code() else {
            return Self::Database(e.to_string());
        };
        let detail = || match e.as_db_error() {
            Some(db) => format!("{}: {}", db.code().code(), db.message()),
            None => e.to_string(),
        };
        match code {
            c if *c == SqlState::UNIQUE_VIOLATION => e
                .as_db_error()
                .and_then(|db| db.constraint())
                .and_then(|name| constraints.get(name))
                .map_or_else(|| Self::Database(detail()), |unique| Self::Conflict(unique)),
            c if *c == SqlState::FOREIGN_KEY_VIOLATION => Self::NotFound(detail()),
            c if *c == SqlState::T_R_SERIALIZATION_FAILURE
                || *c == SqlState::T_R_DEADLOCK_DETECTED
                || *c == SqlState::LOCK_NOT_AVAILABLE
                || *c == SqlState::TOO_MANY_CONNECTIONS =>
            {
                Self::Busy(detail())
            }
            _ => Self::Database(detail()),
        }
    }
}

/// Whether `e` means the connection is gone (closed, broken, the server shutting down or
/// restarting): the call fails as busy and the connection is never used again.
pub(crate) fn connection_lost(e: &postgres::Error) -> bool {
    use postgres::error::SqlState;
    match e.code() {
        Some(c) => {
            *c == SqlState::ADMIN_SHUTDOWN
                || *c == SqlState::CRASH_SHUTDOWN
                || *c == SqlState::CANNOT_CONNECT_NOW
                || c.code().starts_with("08")
        }
        None => {
            e.is_closed() || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
        }
    }
}

impl From<StoreError> for Ec2Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(unique) => match unique.answer {
                Answer::Aws(code, message) => {
                    tracing::info!(constraint = unique.name, %code, "lost a race on a constraint");
                    Ec2Error::new(code, message)
                }
                Answer::Retry => {
                    tracing::warn!(constraint = unique.name, "lost a race; the call may retry");
                    Ec2Error::unavailable()
                }
            },
            StoreError::NotFound(detail) | StoreError::Busy(detail) => {
                tracing::warn!(error = %detail, "transient database failure");
                Ec2Error::unavailable()
            }
            StoreError::Database(detail) => {
                tracing::error!(error = %detail, "database error");
                Ec2Error::internal()
            }
        }
    }
}

/// Turns a storage result into the caller's: what every store method ends its statements with.
pub(crate) trait Db<T> {
    fn db(self) -> Result<T, Ec2Error>;
}

impl<T, E: Into<StoreError>> Db<T> for Result<T, E> {
    fn db(self) -> Result<T, Ec2Error> {
        self.map_err(|e| Ec2Error::from(e.into()))
    }
}
