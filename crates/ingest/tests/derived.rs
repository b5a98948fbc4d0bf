//! A folder of transactions without accounts derives an `accounts` table of their distinct
//! account ids; one transactions file read alone is that table only.

use northstar_engine::Engine;
use northstar_engine::arrow::array::AsArray;
use northstar_ingest::{Config, NoProgress, ingest, ingest_file};

const TRANSACTIONS: &str =
    "account_id,date,amount\nB2,2024-01-02,5\nA1,2024-01-03,7\nB2,2024-01-04,1\nC3,2024-01-05,2\n";

#[test]
fn a_folder_derives_its_accounts_and_a_file_alone_does_not() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("transactions.csv");
    fs_err::write(&path, TRANSACTIONS).expect("write");
    let engine = Engine::new(1).expect("engine");

    let stage = tempfile::tempdir().expect("stage");
    let folder = ingest(dir.path(), &Config::default(), stage.path(), &engine, &NoProgress).expect("folder");
    let accounts = folder.table("accounts").expect("derived accounts");
    assert_eq!((accounts.file.as_ref(), accounts.rows_accepted), (None, 3));
    folder.register(&engine).expect("register");
    let ids = engine
        .query("SELECT account_id FROM accounts ORDER BY account_id")
        .expect("query");
    let ids: Vec<&str> = ids
        .iter()
        .flat_map(|b| b.column(0).as_string_view().iter().flatten())
        .collect();
    assert_eq!(ids, ["A1", "B2", "C3"]);

    let stage = tempfile::tempdir().expect("stage");
    let alone = ingest_file(
        "transactions",
        &path,
        &Config::default(),
        stage.path(),
        &engine,
        &NoProgress,
    )
    .expect("file");
    let tables: Vec<&str> = alone.tables.iter().map(|t| t.table).collect();
    assert_eq!(tables, ["transactions"]);
    assert_eq!(alone.tables[0].rows_accepted, 4);
}
