//! Loading an interface's child rows (addresses, groups, attachment, public addresses) for a
//! whole scope in one query each, grouped by interface.

use super::EniScope;
use crate::{Db, Tx};
use localvpc_model::Ec2Error;
use rusqlite::{Row, params};
use std::collections::HashMap;

/// One child query over the interfaces of a scope. Its SQL selects the interface ID first and
/// says `{scope}` where the scope's condition on `e` (`network_interfaces`) goes.
pub(super) struct ByInterface<'t, 'c, 's> {
    tx: &'t Tx<'c>,
    scope: EniScope<'s>,
    sql: String,
}

impl<'t, 'c, 's> ByInterface<'t, 'c, 's> {
    pub(super) fn new(tx: &'t Tx<'c>, scope: EniScope<'s>, sql: &str) -> Self {
        let sql = sql.replace("{scope}", scope.condition());
        Self { tx, scope, sql }
    }

    /// Each row's value (`value` reads the columns after the ID), by interface ID, in row order.
    pub(super) fn group<V>(
        self,
        value: impl Fn(&Row) -> rusqlite::Result<V>,
    ) -> Result<HashMap<String, Vec<V>>, Ec2Error> {
        let (id, instance) = self.scope.params();
        let mut stmt = self.tx.sql.prepare_cached(&self.sql).db()?;
        let rows = stmt
            .query_map(params![self.tx.pid, id, instance], |r| {
                Ok((r.get::<_, String>(0)?, value(r)?))
            })
            .db()?;
        let mut out: HashMap<String, Vec<V>> = HashMap::new();
        for row in rows {
            let (eni, v) = row.db()?;
            out.entry(eni).or_default().push(v);
        }
        Ok(out)
    }
}
