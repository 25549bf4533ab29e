//! What store methods need from the engine-neutral layer (`sql.rs`) beyond its own types: the
//! integer widths the model uses, columns of text this crate wrote (addresses, CIDRs, enum
//! names) read back, counts, existence checks, and rows consumed one at a time.

use crate::Tx;
use crate::error::{Db, StoreError};
use crate::sql::{Column, Param, Row, Value};
use localvpc_model::Ec2Error;
use std::str::FromStr;

/// Integers narrower than the engines' `i64`: bound widened, read back only if they fit.
macro_rules! narrow_integers {
    ($($t:ty),*) => {$(
        impl Param for $t {
            fn value(&self) -> Value<'_> {
                Value::Int(i64::from(*self))
            }
        }

        impl Column for $t {
            fn from_value(value: Value<'_>) -> Option<Self> {
                match value {
                    Value::Int(n) => <$t>::try_from(n).ok(),
                    _ => None,
                }
            }
        }
    )*};
}

narrow_integers!(i32, u32, u16);

fn unknown_value(i: usize, text: &str) -> StoreError {
    StoreError::Database(format!("column {i} holds unknown value {text:?}"))
}

impl Row<'_> {
    /// Column `i`, `NULL` or text parsed back into what this crate wrote.
    pub(crate) fn parsed_opt<T: FromStr>(&self, i: usize) -> Result<Option<T>, StoreError> {
        self.get::<Option<String>>(i)?
            .map(|text| text.parse().map_err(|_| unknown_value(i, &text)))
            .transpose()
    }

    /// Column `i`'s text turned back into a `T` by `decode`; `None` from it means a value this
    /// crate never writes.
    pub(crate) fn decoded<T>(
        &self,
        i: usize,
        decode: impl FnOnce(&str) -> Option<T>,
    ) -> Result<T, StoreError> {
        let text: String = self.get(i)?;
        decode(&text).ok_or_else(|| unknown_value(i, &text))
    }
}

impl Tx<'_> {
    /// The number a one-row integer query (`SELECT COUNT(*) …`) returns.
    pub(crate) fn count_rows(&self, sql: &str, params: &[&dyn Param]) -> Result<usize, Ec2Error> {
        let n: Option<i64> = self.row(sql, params, |r| r.get(0))?;
        let n = n
            .ok_or_else(|| StoreError::NotFound(format!("no row from {sql}")))
            .db()?;
        Ok(n as usize)
    }

    /// Whether `sql` returns any row.
    pub(crate) fn exists(&self, sql: &str, params: &[&dyn Param]) -> Result<bool, Ec2Error> {
        Ok(self.row(sql, params, |_| Ok(()))?.is_some())
    }

    /// Hands every row `sql` returns to `f` in turn, for callers that fold rows into a map or
    /// set rather than a list.
    pub(crate) fn each_row(
        &self,
        sql: &str,
        params: &[&dyn Param],
        f: impl FnMut(&Row) -> Result<(), StoreError>,
    ) -> Result<(), Ec2Error> {
        self.rows(sql, params, f).map(drop)
    }
}
