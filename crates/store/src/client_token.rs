//! Client tokens for idempotent create calls.

use crate::{Db, Tx};
use localvpc_model::Ec2Error;
use rusqlite::{OptionalExtension, params};

/// What a token was first used for.
pub struct RememberedToken {
    pub fingerprint: String,
    /// The response the first call gave, as JSON.
    pub response: String,
}

impl Tx<'_> {
    pub fn client_token(
        &self,
        operation: &str,
        token: &str,
    ) -> Result<Option<RememberedToken>, Ec2Error> {
        self.sql
            .prepare_cached("SELECT fingerprint, response FROM client_tokens WHERE pid = ?1 AND operation = ?2 AND token = ?3")
            .db()?
            .query_row(params![self.pid, operation, token], |r| Ok(RememberedToken { fingerprint: r.get(0)?, response: r.get(1)? }))
            .optional()
            .db()
    }

    pub fn remember_client_token(
        &self,
        operation: &str,
        token: &str,
        fingerprint: &str,
        response: &str,
    ) -> Result<(), Ec2Error> {
        self.sql
            .prepare_cached("INSERT INTO client_tokens (pid, operation, token, fingerprint, response) VALUES (?1, ?2, ?3, ?4, ?5)")
            .db()?
            .execute(params![self.pid, operation, token, fingerprint, response])
            .db()?;
        Ok(())
    }
}
