use super::*;
use crate::Store;
use std::collections::BTreeSet;

/// Every UNIQUE constraint of the migrated schema, named as SQLite reports it.
pub(crate) fn schema_constraints(conn: &rusqlite::Connection) -> BTreeSet<String> {
    let query = |sql: &str| -> Vec<(String, i64, Option<String>)> {
        let mut statement = conn.prepare(sql).unwrap();
        statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let mut found = BTreeSet::new();
    let tables = query(
        "SELECT name, 0, NULL FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    );
    for (table, _, _) in tables {
        let mut indexed_pk = false;
        for (index, unique, origin) in query(&format!(
            "SELECT name, \"unique\", origin FROM pragma_index_list('{table}')"
        )) {
            indexed_pk |= origin.as_deref() == Some("pk");
            if unique == 0 {
                continue;
            }
            // Expression columns have no name.
            let columns: Vec<Option<String>> = conn
                .prepare(&format!(
                    "SELECT name FROM pragma_index_xinfo('{index}') WHERE key ORDER BY seqno"
                ))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            found.insert(match columns.into_iter().collect::<Option<Vec<_>>>() {
                Some(columns) => format!("{table}({})", columns.join(", ")),
                None => index,
            });
        }
        // An INTEGER PRIMARY KEY is the rowid, with no index of its own.
        if !indexed_pk {
            let pk = query(&format!(
                "SELECT name, pk, NULL FROM pragma_table_info('{table}') WHERE pk > 0"
            ));
            if let [(column, _, _)] = pk.as_slice() {
                found.insert(format!("{table}({column})"));
            }
        }
    }
    found
}

#[test]
fn every_unique_constraint_of_the_schema_has_an_answer() {
    let store = Store::in_memory().unwrap();
    let schema = schema_constraints(&store.sqlite_writer());
    let listed: BTreeSet<String> = UNIQUE.iter().map(|u| u.name.to_owned()).collect();
    assert_eq!(listed.len(), UNIQUE.len(), "a constraint is listed twice");
    let missing: Vec<_> = schema.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&schema).collect();
    assert!(
        missing.is_empty(),
        "constraints with no answer in constraint.rs: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "constraint.rs lists constraints the schema lacks: {stale:?}"
    );
}

#[test]
fn sqlite_messages_name_the_constraint() {
    let named = |m| from_sqlite_message(m).map(|u| u.name);
    assert_eq!(
        named("UNIQUE constraint failed: key_pairs.pid, key_pairs.name"),
        Some("key_pairs(pid, name)")
    );
    assert_eq!(
        named("UNIQUE constraint failed: index 'security_group_rules_unique'"),
        Some("security_group_rules_unique")
    );
    assert_eq!(named("UNIQUE constraint failed: nothing.here"), None);
    assert_eq!(named("NOT NULL constraint failed: vpcs.id"), None);
}
