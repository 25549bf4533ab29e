//! The same tests on both engines: SQLite always, PostgreSQL when `LOCALVPC_TEST_DATABASE`
//! names a database (`scripts/postgres run cargo test -p localvpc-store`); each PostgreSQL test
//! gets a schema of its own, dropped at the end. Without the variable the PostgreSQL half of
//! each test says it was skipped.

use crate::error::StoreError;
use crate::open::Backend;
use crate::sql::Engine;
use crate::{Store, Tx};
use localvpc_model::{Ec2Error, ErrorCode};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

const ACCOUNT: &str = "111122223333";

/// A PostgreSQL schema for one test, dropped with it.
pub(crate) struct TestSchema {
    url: String,
    name: String,
}

impl TestSchema {
    /// A fresh schema in the test database, or `None` (the test is skipped) if there is none.
    pub(crate) fn new(test: &str) -> Option<Self> {
        let Ok(url) = std::env::var("LOCALVPC_TEST_DATABASE") else {
            eprintln!("{test}: PostgreSQL half skipped (LOCALVPC_TEST_DATABASE not set)");
            return None;
        };
        let name = format!(
            "test_{test}_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .unwrap();
        Some(Self { url, name })
    }

    /// The URL of the test database with this schema first on the search path.
    pub(crate) fn url(&self) -> String {
        let separator = if self.url.contains('?') { '&' } else { '?' };
        format!(
            "{}{separator}options=-csearch_path%3D{}",
            self.url, self.name
        )
    }

    pub(crate) fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url(), postgres::NoTls).unwrap()
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.url, postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name));
        }
    }
}

/// SQLite in memory, then PostgreSQL if there is a test database.
fn engines(test: &str) -> Vec<(Store, Option<TestSchema>)> {
    let mut stores = vec![(Store::in_memory().unwrap(), None)];
    if let Some(schema) = TestSchema::new(test) {
        stores.push((Store::connect(&schema.url()).unwrap(), Some(schema)));
    }
    stores
}

/// Runs `f` in a write transaction of a partition made for it, committed if `f` succeeds.
/// (Below `Store::transact`, which provisions through store files still moving to `sql.rs`.)
fn in_partition<T>(
    store: &Store,
    region: &str,
    f: impl FnOnce(&mut Tx) -> Result<T, Ec2Error>,
) -> Result<T, Ec2Error> {
    let run = |sql| {
        let mut tx = Tx { sql, pid: 0 };
        let existing = tx.row(
            "SELECT id FROM partitions WHERE account = ?1 AND region = ?2",
            &[&ACCOUNT, &region],
            |r| r.get(0),
        )?;
        tx.pid = match existing {
            Some(pid) => pid,
            None => tx
                .row(
                    "INSERT INTO partitions (account, region, dhcp_options_id) VALUES (?1, ?2, 'dopt-1') RETURNING id",
                    &[&ACCOUNT, &region],
                    |r| r.get(0),
                )?
                .expect("a row"),
        };
        let value = f(&mut tx)?;
        tx.sql.commit()?;
        Ok(value)
    };
    match &store.engine {
        Backend::Sqlite(_) => {
            let mut conn = store.sqlite_writer();
            run(Engine::Sqlite(
                conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .unwrap(),
            ))
        }
        Backend::Postgres(pool) => {
            let mut lease = pool.take().map_err(Ec2Error::from)?;
            let sql = lease.begin(true).map_err(Ec2Error::from)?;
            run(Engine::Postgres(RefCell::new(sql)))
        }
    }
}

/// A key pair row named `name` (the ID is the name's).
fn insert_key(tx: &Tx, name: &str) -> Result<usize, Ec2Error> {
    tx.exec(
        "INSERT INTO key_pairs (pid, key_pair_id, name, key_type, fingerprint, public_key, create_time)
         VALUES (?1, ?2, ?3, 'ed25519', 'ab:cd', 'ssh-ed25519 AAAA', '2026-12-03T17:00:00.000Z')",
        &[&tx.pid, &format!("key-0{name}"), &name],
    )
}

fn key_names(tx: &mut Tx) -> Result<Vec<String>, Ec2Error> {
    tx.rows(
        "SELECT name FROM key_pairs WHERE pid = ?1 ORDER BY name",
        &[&tx.pid],
        |r| r.get(0),
    )
}

#[test]
fn values_round_trip_on_both_engines() {
    for (store, _schema) in engines("values") {
        in_partition(&store, "eu-west-1", |tx| {
            let row = tx.row(
                "SELECT CAST(?1 AS TEXT), CAST(?2 AS BIGINT), ?3 = TRUE, CAST(?4 AS TEXT), ?5 = TRUE, 7, COUNT(*), SUM(n)
                 FROM (SELECT CAST(?2 AS BIGINT) AS n) AS t",
                &[&"text", &42_i64, &true, &None::<String>, &Some(false)],
                |r| {
                    Ok((
                        r.get::<String>(0)?,
                        r.get::<i64>(1)?,
                        r.get::<bool>(2)?,
                        r.get::<Option<String>>(3)?,
                        r.get::<Option<bool>>(4)?,
                        r.get::<i64>(5)?,
                        r.get::<i64>(6)?,
                        r.get::<i64>(7)?,
                    ))
                },
            )?;
            assert_eq!(
                row,
                Some(("text".into(), 42, true, None, Some(false), 7, 1, 42)),
                "what was bound is read back"
            );
            let wrong = tx.row("SELECT 'x'", &[], |r| r.get::<i64>(0));
            assert_eq!(wrong.unwrap_err().code, ErrorCode::InternalError);
            Ok(())
        })
        .unwrap();
    }
}

#[test]
fn ported_store_methods_behave_alike() {
    for (store, _schema) in engines("methods") {
        in_partition(&store, "eu-west-1", |tx| {
            insert_key(tx, "b")?;
            insert_key(tx, "a")?;
            tx.remember_client_token("RunInstances", "tok", "fp", "{}")?;
            Ok(())
        })
        .unwrap();
        in_partition(&store, "eu-west-1", |tx| {
            assert_eq!(key_names(tx)?, ["a", "b"]);
            let token = tx.client_token("RunInstances", "tok")?.unwrap();
            assert_eq!(
                (token.fingerprint.as_str(), token.response.as_str()),
                ("fp", "{}")
            );
            assert!(tx.client_token("RunInstances", "other")?.is_none());
            let deleted = tx.exec(
                "DELETE FROM key_pairs WHERE key_pair_id = ?1 AND pid = ?2",
                &[&"key-0a", &tx.pid],
            )?;
            assert_eq!(deleted, 1);
            Ok(())
        })
        .unwrap();
        let left = in_partition(&store, "eu-west-1", key_names).unwrap();
        assert_eq!(left, ["b"]);
        // Security group names are unique per VPC whatever their case (COLLATE NOCASE on
        // SQLite, lower(name) on PostgreSQL).
        let twice = in_partition(&store, "eu-west-1", |tx| {
            tx.exec(
                "INSERT INTO vpcs (id, pid, is_default, instance_tenancy, dhcp_options_id, enable_dns_support, enable_dns_hostnames, enable_nau_metrics)
                 VALUES ('vpc-1', ?1, FALSE, 'default', 'dopt-1', TRUE, FALSE, FALSE)",
                &[&tx.pid],
            )?;
            for (id, name) in [("sg-1", "Web"), ("sg-2", "wEB")] {
                tx.exec(
                    "INSERT INTO security_groups (id, pid, vpc_id, name, description) VALUES (?1, ?2, 'vpc-1', ?3, '')",
                    &[&id, &tx.pid, &name],
                )?;
            }
            Ok(())
        });
        assert_eq!(twice.unwrap_err().code, ErrorCode::InvalidGroupDuplicate);
    }
}

#[test]
fn a_lost_race_answers_alike_and_applies_nothing() {
    for (store, _schema) in engines("race") {
        in_partition(&store, "eu-west-1", |tx| insert_key(tx, "a")).unwrap();
        let lost = in_partition(&store, "eu-west-1", |tx| {
            insert_key(tx, "c")?;
            tx.exec(
                "INSERT INTO key_pairs (pid, key_pair_id, name, key_type, fingerprint, public_key, create_time)
                 VALUES (?1, 'key-0twin', 'a', 'ed25519', '', '', '')",
                &[&tx.pid],
            )
        });
        let err = lost.unwrap_err();
        assert_eq!(
            err.code,
            ErrorCode::InvalidKeyPairDuplicate,
            "{}",
            err.message
        );
        let names = in_partition(&store, "eu-west-1", key_names).unwrap();
        assert_eq!(
            names,
            ["a"],
            "the failed call's first insert was rolled back"
        );
        // A missing partition row: a foreign key (a row gone), transient on both engines.
        let orphan = in_partition(&store, "eu-west-1", |tx| {
            tx.exec(
                "INSERT INTO key_pairs (pid, key_pair_id, name, key_type, fingerprint, public_key, create_time)
                 VALUES (9999, 'key-0x', 'x', 'ed25519', '', '', '')",
                &[],
            )
        });
        assert_eq!(orphan.unwrap_err().code, ErrorCode::ServiceUnavailable);
    }
}

#[test]
fn reset_empties_both_engines_and_keeps_seeded_rows() {
    for (store, _schema) in engines("reset") {
        in_partition(&store, "eu-west-1", |tx| insert_key(tx, "a")).unwrap();
        store.reset().unwrap();
        in_partition(&store, "eu-west-1", |tx| {
            assert!(key_names(tx)?.is_empty());
            let cursor = tx.row("SELECT next FROM ipv6_pool_cursor WHERE id = 1", &[], |r| {
                r.get::<i64>(0)
            })?;
            assert_eq!(cursor, Some(1), "the IPv6 pool starts again");
            Ok(())
        })
        .unwrap();
    }
}

/// Every table and column of an SQLite store.
fn sqlite_columns(store: &Store) -> BTreeMap<String, BTreeSet<String>> {
    let conn = store.sqlite_writer();
    let mut statement = conn
        .prepare(
            "SELECT t.name, c.name FROM sqlite_schema t, pragma_table_info(t.name) c
             WHERE t.type = 'table' AND t.name NOT LIKE 'sqlite_%'",
        )
        .unwrap();
    let mut tables: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in statement
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
    {
        let (table, column) = row.unwrap();
        tables.entry(table).or_default().insert(column);
    }
    tables
}

#[test]
fn both_engines_migrate_to_the_same_schema() {
    let Some(schema) = TestSchema::new("schema") else {
        return;
    };
    let sqlite = Store::in_memory().unwrap();
    let postgres = Store::connect(&schema.url()).unwrap();
    let mut client = schema.client();
    assert_eq!(
        crate::pg::columns(&mut client).unwrap(),
        sqlite_columns(&sqlite),
        "tables and columns"
    );
    let sqlite_unique = crate::constraint::tests::schema_constraints(&sqlite.sqlite_writer());
    let postgres_unique: BTreeSet<String> = crate::pg::unique_indexes(&mut client)
        .unwrap()
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    assert_eq!(postgres_unique, sqlite_unique, "UNIQUE constraints");
    let Backend::Postgres(pool) = &postgres.engine else {
        unreachable!()
    };
    assert_eq!(
        pool.constraints.len(),
        crate::UNIQUE.len(),
        "every index maps to its constraint.rs row"
    );
}

#[test]
fn a_newer_postgres_schema_is_refused() {
    let Some(schema) = TestSchema::new("newer") else {
        return;
    };
    drop(Store::connect(&schema.url()).unwrap());
    schema
        .client()
        .batch_execute("UPDATE localvpc_schema SET version = 99")
        .unwrap();
    match Store::connect(&schema.url()) {
        Err(e @ crate::OpenError::NewerSchema { found: 99, .. }) => assert!(
            e.to_string().contains(
                "holds schema version 99, newer than this localvpc knows (19); upgrade localvpc or use another --database"
            ),
            "{e}"
        ),
        other => panic!("expected NewerSchema, got {:?}", other.err()),
    }
}

#[test]
fn an_unreachable_database_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "postgres://lv:secret@{}/lv?connect_timeout=2",
        dir.path().display().to_string().replace('/', "%2F")
    );
    match Store::connect(&url) {
        Err(e @ crate::OpenError::Unreachable(..)) => {
            let message = e.to_string();
            assert!(
                message.starts_with("cannot reach database postgres://lv:***@"),
                "{message}"
            );
            assert!(!message.contains("secret"));
        }
        other => panic!("expected Unreachable, got {:?}", other.err()),
    }
}

#[test]
fn servers_of_one_database_share_secrets() {
    let Some(schema) = TestSchema::new("secrets") else {
        return;
    };
    let (a, b) = (
        Store::connect(&schema.url()).unwrap(),
        Store::connect(&schema.url()).unwrap(),
    );
    assert_eq!(a.shared_secret("imds", "first").unwrap(), "first");
    assert_eq!(b.shared_secret("imds", "second").unwrap(), "first");
    let sqlite = Store::in_memory().unwrap();
    assert_eq!(sqlite.shared_secret("imds", "mine").unwrap(), "mine");
}

#[test]
fn concurrent_writers_conflict_as_busy_and_nothing_is_applied() {
    let Some(schema) = TestSchema::new("serial") else {
        return;
    };
    let store = Store::connect(&schema.url()).unwrap();
    in_partition(&store, "eu-west-1", |_| Ok(())).unwrap();
    // Two transactions read the same count, then both write what depends on it (a quota
    // check's shape): SERIALIZABLE lets one commit and fails the other.
    let barrier = std::sync::Barrier::new(2);
    let results: Vec<Result<(), Ec2Error>> = std::thread::scope(|s| {
        let run = |name: &'static str| {
            let (store, barrier) = (&store, &barrier);
            s.spawn(move || {
                in_partition(store, "eu-west-1", |tx| {
                    let n = tx.row("SELECT COUNT(*) FROM key_pairs", &[], |r| r.get::<i64>(0))?;
                    barrier.wait();
                    if n == Some(0) {
                        insert_key(tx, name)?;
                    }
                    Ok(())
                })
            })
        };
        let (a, b) = (run("a"), run("b"));
        vec![a.join().unwrap(), b.join().unwrap()]
    });
    let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(failed.len(), 1, "{results:?}");
    assert_eq!(failed[0].code, ErrorCode::ServiceUnavailable);
    let n = in_partition(&store, "eu-west-1", key_names).unwrap().len();
    assert_eq!(n, 1, "exactly one writer's key pair");
}

#[test]
fn a_lost_connection_is_busy_then_reconnected() {
    let Some(schema) = TestSchema::new("reconnect") else {
        return;
    };
    let store = Store::connect(&format!(
        "{}&application_name=localvpc_reconnect",
        schema.url()
    ))
    .unwrap();
    in_partition(&store, "eu-west-1", |_| Ok(())).unwrap();
    let mut admin = schema.client();
    admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE application_name = 'localvpc_reconnect'",
            &[],
        )
        .unwrap();
    let lost = in_partition(&store, "eu-west-1", key_names);
    assert_eq!(lost.unwrap_err().code, ErrorCode::ServiceUnavailable);
    let again = in_partition(&store, "eu-west-1", key_names);
    assert!(
        again.unwrap().is_empty(),
        "the next call has a fresh connection"
    );
}

/// `StoreError` answers the caller's way: a busy database is `ServiceUnavailable`.
#[test]
fn busy_is_unavailable() {
    let e: Ec2Error = StoreError::Busy("x".into()).into();
    assert_eq!(e.code, ErrorCode::ServiceUnavailable);
}
