//! Loading an interface's child rows (addresses, groups, attachment, public addresses) for a
//! whole scope in one query each, grouped by interface.

use super::EniScope;
use crate::Tx;
use crate::error::StoreError;
use crate::sql::Row;
use localvpc_model::Ec2Error;
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
        value: impl Fn(&Row) -> Result<V, StoreError>,
    ) -> Result<HashMap<String, Vec<V>>, Ec2Error> {
        let (id, instance) = self.scope.params();
        let mut out: HashMap<String, Vec<V>> = HashMap::new();
        self.tx
            .each_row(&self.sql, &[&self.tx.pid, &id, &instance], |r| {
                out.entry(r.get(0)?).or_default().push(value(r)?);
                Ok(())
            })?;
        Ok(out)
    }
}
