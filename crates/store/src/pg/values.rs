//! [`Value`]s as PostgreSQL binds and returns them. The schema's integers are `BIGINT` and its
//! flags `BOOLEAN`; expressions may give `INTEGER` (`length`, a literal), `NUMERIC` (`SUM` of a
//! `BIGINT`) or a catalogue's `name`, all read as the `Value` SQLite would give.

use crate::error::StoreError;
use crate::sql::{Bound, Value};
use bytes::BytesMut;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl ToSql for Bound<'_> {
    /// Binds as the type PostgreSQL inferred for the parameter. No implicit integer ↔ boolean:
    /// the statement says `TRUE`/`FALSE` or binds a `bool`.
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match (&self.0, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Int(n), &Type::INT8) => n.to_sql(ty, out),
            (Value::Int(n), &Type::INT4) => i32::try_from(*n)?.to_sql(ty, out),
            (Value::Int(n), &Type::INT2) => i16::try_from(*n)?.to_sql(ty, out),
            (Value::Bool(b), &Type::BOOL) => b.to_sql(ty, out),
            (Value::Text(t), ty) if <&str as ToSql>::accepts(ty) => t.to_sql(ty, out),
            // `?1 || 'x'`: PostgreSQL asks for text where SQLite would convert the number.
            (Value::Int(n), ty) if <&str as ToSql>::accepts(ty) => {
                n.to_string().as_str().to_sql(ty, out)
            }
            (value, ty) => Err(format!("cannot bind {value:?} as a {ty} parameter").into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// Column `i` of `row` as a [`Value`].
pub(crate) fn column(row: &postgres::Row, i: usize) -> Result<Value<'_>, StoreError> {
    let Some(ty) = row.columns().get(i).map(|c| c.type_()) else {
        return Err(StoreError::Database(format!("no column {i}")));
    };
    let value = match *ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i).map(|v| v.map(Value::Int)),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)
            .map(|v| v.map(|n| Value::Int(n.into()))),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)
            .map(|v| v.map(|n| Value::Int(n.into()))),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(i)
            .map(|v| v.map(Value::Bool)),
        Type::NUMERIC => row
            .try_get::<_, Option<WholeNumber>>(i)
            .map(|v| v.map(|n| Value::Int(n.0))),
        _ => row
            .try_get::<_, Option<&str>>(i)
            .map(|v| v.map(Value::Text)),
    };
    value
        .map(|v| v.unwrap_or(Value::Null))
        .map_err(|e| StoreError::Database(format!("column {i} ({ty}): {e}")))
}

/// A `NUMERIC` that holds a whole number fitting an `i64` (what `SUM` of integers gives).
struct WholeNumber(i64);

impl<'a> FromSql<'a> for WholeNumber {
    /// The binary form: digit count, weight (the power of 10,000 of the first digit), sign,
    /// display scale, then base-10,000 digits.
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let word = |i: usize| -> Result<i16, BoxError> {
            let bytes = raw.get(2 * i..2 * i + 2).ok_or("truncated NUMERIC")?;
            Ok(i16::from_be_bytes([bytes[0], bytes[1]]))
        };
        let (digits, weight, sign) = (word(0)?, word(1)?, word(2)? as u16);
        if sign != 0 && sign != 0x4000 {
            return Err("NUMERIC is not a number".into());
        }
        let digit = |d: i16| -> Result<i64, BoxError> {
            Ok(if d < digits {
                word(4 + d as usize)?.into()
            } else {
                0
            })
        };
        let mut n: i64 = 0;
        for d in 0..=weight {
            n = n
                .checked_mul(10_000)
                .and_then(|n| Some(n + digit(d).ok()?))
                .ok_or("NUMERIC does not fit a 64-bit integer")?;
        }
        for d in weight.max(-1) + 1..digits {
            if digit(d)? != 0 {
                return Err("NUMERIC is not a whole number".into());
            }
        }
        Ok(Self(if sign == 0x4000 { -n } else { n }))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::NUMERIC
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(words: &[i16]) -> Result<i64, BoxError> {
        let raw: Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes()).collect();
        WholeNumber::from_sql(&Type::NUMERIC, &raw).map(|n| n.0)
    }

    #[test]
    fn whole_numerics_read_as_integers() {
        assert_eq!(numeric(&[0, 0, 0, 0]).unwrap(), 0);
        assert_eq!(numeric(&[1, 0, 0, 0, 42]).unwrap(), 42);
        // 1,2345,0000: two digits, the first at 10,000².
        assert_eq!(numeric(&[2, 2, 0, 0, 1, 2345]).unwrap(), 123_450_000);
        assert_eq!(numeric(&[1, 0, 0x4000, 0, 7]).unwrap(), -7);
        assert!(numeric(&[2, 0, 0, 1, 1, 5000]).is_err(), "1.5 is not whole");
        assert!(numeric(&[0, 0, 0xC000u16 as i16, 0]).is_err(), "NaN");
    }
}
