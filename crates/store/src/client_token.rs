//! Client tokens for idempotent create calls.

use crate::Tx;
use localvpc_model::Ec2Error;

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
        self.row(
            "SELECT fingerprint, response FROM client_tokens WHERE pid = ?1 AND operation = ?2 AND token = ?3",
            &[&self.pid, &operation, &token],
            |r| {
                Ok(RememberedToken {
                    fingerprint: r.get(0)?,
                    response: r.get(1)?,
                })
            },
        )
    }

    pub fn remember_client_token(
        &self,
        operation: &str,
        token: &str,
        fingerprint: &str,
        response: &str,
    ) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO client_tokens (pid, operation, token, fingerprint, response) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[&self.pid, &operation, &token, &fingerprint, &response],
        )?;
        Ok(())
    }
}
