//! Storage failures, typed, and the one place they become the caller's EC2 errors.
//!
//! The model checks every invariant before a write; the schema's constraints are the last word
//! when two calls race past that check. A lost race therefore answers what the model would have
//! said (`constraint.rs` maps each UNIQUE constraint), never `InternalError`.

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
