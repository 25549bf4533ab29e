//! The PostgreSQL schema: migrations (`migrations/postgres/`, numbered as SQLite's) recorded in
//! `localvpc_schema`, and the catalogue walk that names each UNIQUE index as `constraint.rs`
//! does, so a lost race answers the same on both engines.

use postgres::Client;

/// Serialises servers starting on one database at once: the second waits, then finds the
/// schema migrated. (Any constant: it only has to be the same for every localvpc.)
const MIGRATION_LOCK: i64 = 0x6c76_7063_0001;

/// What `bootstrap` found.
pub(crate) enum Schema {
    Current,
    /// The database is from a newer localvpc; nothing was changed.
    Newer(i64),
}

/// Creates the engine's own tables if needed and applies the migrations the database lacks, in
/// one transaction: two servers starting at once never both migrate, and a failed migration
/// leaves the schema as it was.
pub(crate) fn bootstrap(
    client: &mut Client,
    migrations: &[&str],
) -> Result<Schema, postgres::Error> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    // `localvpc_` tables belong to the engine, not the schema both engines share: the version
    // (SQLite's `PRAGMA user_version`) and secrets every server of the database must share.
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS localvpc_schema (only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row), version BIGINT NOT NULL);
         INSERT INTO localvpc_schema (version) VALUES (0) ON CONFLICT DO NOTHING;
         CREATE TABLE IF NOT EXISTS localvpc_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);",
    )?;
    let version: i64 = tx
        .query_one("SELECT version FROM localvpc_schema", &[])?
        .get(0);
    let known = migrations.len() as i64;
    if version > known {
        return Ok(Schema::Newer(version));
    }
    for (index, migration) in migrations.iter().enumerate().skip(version as usize) {
        tx.batch_execute(migration)?;
        tx.execute(
            "UPDATE localvpc_schema SET version = $1",
            &[&(index as i64 + 1)],
        )?;
        tracing::debug!(version = index + 1, "applied schema migration");
    }
    tx.commit()?;
    Ok(Schema::Current)
}

/// Every UNIQUE index of the schema (primary keys included): its name, and the name
/// `constraint.rs` knows it by — `table(column, …)`, with `lower(c)` read as `c` (SQLite's
/// `COLLATE NOCASE`), or the index's own name for one on other expressions.
pub(crate) fn unique_indexes(
    client: &mut Client,
) -> Result<Vec<(String, String)>, postgres::Error> {
    let rows = client.query(
        "SELECT i.relname::text, t.relname::text,
                array_agg(COALESCE(a.attname::text, '(' || pg_get_indexdef(x.indexrelid, k.n::int, true) || ')') ORDER BY k.n)
         FROM pg_index x
         JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_namespace s ON s.oid = t.relnamespace
         CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
         LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum > 0
         WHERE x.indisunique AND s.nspname = current_schema() AND t.relname NOT LIKE 'localvpc\\_%'
               AND k.n <= x.indnkeyatts
         GROUP BY i.relname, t.relname",
        &[],
    )?;
    Ok(rows
        .iter()
        .map(|row| {
            let (index, table): (String, String) = (row.get(0), row.get(1));
            let columns: Vec<String> = row.get(2);
            let plain: Option<Vec<&str>> = columns.iter().map(|c| plain_column(c)).collect();
            let named = match plain {
                Some(columns) => format!("{table}({})", columns.join(", ")),
                None => index.clone(),
            };
            (index, named)
        })
        .collect())
}

/// The column an index key names: a column, or `lower(column)`; `None` for another expression.
fn plain_column(key: &str) -> Option<&str> {
    let Some(expression) = key.strip_prefix('(').and_then(|k| k.strip_suffix(')')) else {
        return Some(key);
    };
    let column = expression.strip_prefix("lower(")?.strip_suffix(')')?;
    column
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        .then_some(column)
}

/// Every table of the schema and its columns (the engine's own tables, and the `rowid` columns
/// that are implicit on SQLite, left out).
#[cfg(test)]
pub(crate) fn columns(
    client: &mut Client,
) -> Result<std::collections::BTreeMap<String, std::collections::BTreeSet<String>>, postgres::Error>
{
    let mut tables = std::collections::BTreeMap::new();
    for row in client.query(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name NOT LIKE 'localvpc\\_%'
               AND column_name <> 'rowid'",
        &[],
    )? {
        tables
            .entry(row.get::<_, String>(0))
            .or_insert_with(std::collections::BTreeSet::new)
            .insert(row.get::<_, String>(1));
    }
    Ok(tables)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_keys_read_as_constraint_columns() {
        assert_eq!(plain_column("vpc_id"), Some("vpc_id"));
        assert_eq!(plain_column("(lower(name))"), Some("name"));
        assert_eq!(plain_column("(COALESCE(from_port, '-2'::integer))"), None);
    }
}
