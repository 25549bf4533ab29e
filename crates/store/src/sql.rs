//! Engine-neutral statements: how a store method runs SQL without naming its engine, so one set
//! of SQL serves SQLite now and PostgreSQL next (issue 18; docs/ARCHITECTURE.md, "Storage").
//!
//! Statements are written in the dialect both engines share: `?1`-style placeholders (rewritten
//! to `$1` for PostgreSQL), `COALESCE` rather than `IFNULL`, `TRUE`/`FALSE` and bare boolean
//! columns rather than `1`/`0`. Parameters and columns pass through [`Value`], which each engine
//! binds and reads its own way (SQLite stores booleans as integers, PostgreSQL as `BOOLEAN`), so
//! a method never sees the engine's types. The PostgreSQL side (its binding, reading and
//! statement cache) is `pg.rs`.

use crate::error::StoreError;
use crate::{Db, Tx};
use localvpc_model::Ec2Error;
use rusqlite::types::{ToSqlOutput, ValueRef};

/// A parameter or column value, as both engines know them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    Null,
    Int(i64),
    Bool(bool),
    Text(&'a str),
}

/// Something a statement takes as a parameter.
pub(crate) trait Param {
    fn value(&self) -> Value<'_>;
}

impl Param for str {
    fn value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl Param for String {
    fn value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl Param for i64 {
    fn value(&self) -> Value<'_> {
        Value::Int(*self)
    }
}

impl Param for bool {
    fn value(&self) -> Value<'_> {
        Value::Bool(*self)
    }
}

impl<T: Param> Param for Option<T> {
    fn value(&self) -> Value<'_> {
        self.as_ref().map_or(Value::Null, T::value)
    }
}

impl<T: Param + ?Sized> Param for &T {
    fn value(&self) -> Value<'_> {
        (**self).value()
    }
}

/// A column value a method reads.
pub(crate) trait Column: Sized {
    fn from_value(value: Value<'_>) -> Option<Self>;
}

impl Column for String {
    fn from_value(value: Value<'_>) -> Option<Self> {
        match value {
            Value::Text(t) => Some(t.to_owned()),
            _ => None,
        }
    }
}

impl Column for i64 {
    fn from_value(value: Value<'_>) -> Option<Self> {
        match value {
            Value::Int(n) => Some(n),
            _ => None,
        }
    }
}

impl Column for bool {
    fn from_value(value: Value<'_>) -> Option<Self> {
        match value {
            Value::Bool(b) => Some(b),
            Value::Int(n) => Some(n != 0),
            _ => None,
        }
    }
}

impl<T: Column> Column for Option<T> {
    fn from_value(value: Value<'_>) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// One result row, from whichever engine ran the statement.
pub(crate) enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r postgres::Row),
}

impl Row<'_> {
    /// Column `i`, or a database error naming it if it does not hold a `T`.
    pub(crate) fn get<T: Column>(&self, i: usize) -> Result<T, StoreError> {
        let value = match self {
            Row::Sqlite(row) => sqlite_value(row, i)?,
            Row::Postgres(row) => crate::pg::column(row, i)?,
        };
        // `Value` is a borrowed view, so the clone is cheap; it is described only on a mismatch
        // (formatting every column read cost a 20k-interface listing ~40%).
        T::from_value(value.clone()).ok_or_else(|| {
            StoreError::Database(format!(
                "column {i} holds {value:?}, not a {}",
                std::any::type_name::<T>()
            ))
        })
    }

    /// Column `i` parsed from the text this crate wrote (an enum's name).
    pub(crate) fn parsed<T: std::str::FromStr>(&self, i: usize) -> Result<T, StoreError> {
        let text: String = self.get(i)?;
        text.parse()
            .map_err(|_| StoreError::Database(format!("column {i} holds unknown value {text:?}")))
    }
}

fn sqlite_value<'r>(row: &'r rusqlite::Row<'_>, i: usize) -> Result<Value<'r>, StoreError> {
    Ok(match row.get_ref(i).map_err(StoreError::from)? {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Int(n),
        ValueRef::Text(t) => Value::Text(
            std::str::from_utf8(t)
                .map_err(|e| StoreError::Database(format!("column {i} is not UTF-8: {e}")))?,
        ),
        other => {
            return Err(StoreError::Database(format!(
                "column {i} has unexpected type {:?}",
                other.data_type()
            )));
        }
    })
}

/// A parameter as an engine binds it (`pg.rs` binds it for PostgreSQL).
#[derive(Debug)]
pub(crate) struct Bound<'a>(pub(crate) Value<'a>);

impl rusqlite::ToSql for Bound<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match &self.0 {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(n) => ToSqlOutput::Borrowed(ValueRef::Integer(*n)),
            Value::Bool(b) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*b))),
            Value::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
        })
    }
}

fn bind<'p>(params: &'p [&'p dyn Param]) -> Vec<Bound<'p>> {
    params.iter().map(|p| Bound(p.value())).collect()
}

/// The transaction of one engine under a [`Tx`].
pub(crate) enum Engine<'c> {
    Sqlite(rusqlite::Transaction<'c>),
    /// A `RefCell`: the `postgres` client takes `&mut` for every statement, `Tx` methods `&self`.
    Postgres(std::cell::RefCell<crate::pg::Transaction<'c>>),
}

impl Engine<'_> {
    pub(crate) fn commit(self) -> Result<(), Ec2Error> {
        match self {
            Engine::Sqlite(tx) => tx.commit().db(),
            Engine::Postgres(tx) => tx.into_inner().commit().db(),
        }
    }
}

impl Tx<'_> {
    /// Every row `sql` returns, each turned into a `T` by `f`.
    pub(crate) fn rows<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        mut f: impl FnMut(&Row) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, Ec2Error> {
        let bound = bind(params);
        match &self.sql {
            Engine::Sqlite(tx) => {
                let mut statement = tx.prepare_cached(sql).db()?;
                let mut rows = statement
                    .query(rusqlite::params_from_iter(bound.iter()))
                    .db()?;
                let mut out = Vec::new();
                while let Some(row) = rows.next().db()? {
                    out.push(f(&Row::Sqlite(row)).db()?);
                }
                Ok(out)
            }
            Engine::Postgres(tx) => {
                let rows = tx.borrow_mut().query(sql, &bound).db()?;
                rows.iter().map(|row| f(&Row::Postgres(row)).db()).collect()
            }
        }
    }

    /// The first row `sql` returns, if any.
    pub(crate) fn row<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        f: impl FnOnce(&Row) -> Result<T, StoreError>,
    ) -> Result<Option<T>, Ec2Error> {
        let bound = bind(params);
        match &self.sql {
            Engine::Sqlite(tx) => {
                let mut statement = tx.prepare_cached(sql).db()?;
                let mut rows = statement
                    .query(rusqlite::params_from_iter(bound.iter()))
                    .db()?;
                match rows.next().db()? {
                    Some(row) => f(&Row::Sqlite(row)).db().map(Some),
                    None => Ok(None),
                }
            }
            Engine::Postgres(tx) => {
                let rows = tx.borrow_mut().query(sql, &bound).db()?;
                rows.first()
                    .map(|row| f(&Row::Postgres(row)).db())
                    .transpose()
            }
        }
    }

    /// Runs a statement that returns no rows; the number of rows it changed.
    pub(crate) fn exec(&self, sql: &str, params: &[&dyn Param]) -> Result<usize, Ec2Error> {
        let bound = bind(params);
        match &self.sql {
            Engine::Sqlite(tx) => tx
                .prepare_cached(sql)
                .db()?
                .execute(rusqlite::params_from_iter(bound.iter()))
                .db(),
            Engine::Postgres(tx) => tx.borrow_mut().execute(sql, &bound).db(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;

    #[test]
    fn values_round_trip_through_the_engine() {
        let store = Store::in_memory().unwrap();
        store
            .transact("111122223333", "eu-west-1", |tx, _| {
                let row = tx.row(
                    "SELECT ?1, ?2, ?3, ?4, ?5",
                    &[&"text", &42_i64, &true, &None::<String>, &Some(false)],
                    |r| {
                        Ok((
                            r.get::<String>(0)?,
                            r.get::<i64>(1)?,
                            r.get::<bool>(2)?,
                            r.get::<Option<String>>(3)?,
                            r.get::<Option<bool>>(4)?,
                        ))
                    },
                )?;
                assert_eq!(
                    row,
                    Some(("text".into(), 42, true, None, Some(false))),
                    "what was bound is read back"
                );
                let wrong = tx.row("SELECT 'x'", &[], |r| r.get::<i64>(0));
                assert_eq!(
                    wrong.unwrap_err().code,
                    localvpc_model::ErrorCode::InternalError
                );
                Ok(())
            })
            .unwrap();
    }
}
