//! The determinism matrix: the same input gives the same bytes (run.json and the manifest,
//! which holds run.json's checksum, aside) whatever the thread count, whatever the sizes ingest
//! reads and stages rows in and the score stage scores them in, and whether the tables come as
//! CSV, Parquet or XLSX.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use northstar_engine::arrow::csv::ReaderBuilder;
use northstar_engine::arrow::csv::reader::Format;
use northstar_engine::parquet::arrow::ArrowWriter;
use northstar_pipeline::{Build, Chunking, Options};

use crate::support::{build_with_options, options_with};

/// Builds `data` into `dir/name` on `threads` threads, reading rows in `chunking`'s sizes.
fn build(data: &Path, dir: &Path, name: &str, threads: usize, chunking: Chunking) -> Build {
    let mut options = options_with(threads);
    options.chunking = chunking;
    build_options(data, dir, name, options)
}

/// Builds `data` into `dir/name` with `options`.
fn build_options(data: &Path, dir: &Path, name: &str, options: Options) -> Build {
    build_with_options(data, &dir.join(name), options).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Asserts that `other` wrote the same files as `reference`, byte for byte but run.json and
/// the manifest; returns how many were compared.
fn assert_same(reference: &Build, other: &Build, what: &str) -> usize {
    assert_eq!(reference.files, other.files, "{what}: the same files");
    let read = |out: &Path, name: &str| fs_err::read(out.join(name)).expect("read");
    let mut compared = 0;
    for name in reference
        .files
        .iter()
        .filter(|n| !matches!(n.as_str(), "run.json" | "manifest.json"))
    {
        assert!(
            read(&reference.out, name) == read(&other.out, name),
            "{name} differs with {what}"
        );
        compared += 1;
    }
    assert!(compared >= 13, "{compared} files compared");
    compared
}

/// The small demo of seed 42 in `dir/data`: ten clean tables (no rejects, so that rejects.csv,
/// which names files, is the same whatever the format).
fn demo_data(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    northstar_demo::write_demo(&data, northstar_demo::Size::Small, 42).expect("demo data");
    data
}

#[test]
fn one_two_and_four_threads_write_the_same_outputs() {
    let dir = tempfile::tempdir().expect("dir");
    let data = demo_data(dir.path());
    let one = build(&data, dir.path(), "one", 1, Chunking::default());
    for threads in [2, 4] {
        let other = build(
            &data,
            dir.path(),
            &format!("t{threads}"),
            threads,
            Chunking::default(),
        );
        assert_same(&one, &other, &format!("{threads} threads"));
    }
}

#[test]
fn the_sizes_rows_are_read_and_staged_in_change_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let data = demo_data(dir.path());
    let reference = build(&data, dir.path(), "default", 2, Chunking::default());
    let sizes = [(1, 1), (7, 13), (1000, 3)];
    for (chunk_rows, batch_rows) in sizes {
        let chunking = Chunking {
            chunk_rows,
            batch_rows,
        };
        let other = build(
            &data,
            dir.path(),
            &format!("c{chunk_rows}-{batch_rows}"),
            2,
            chunking,
        );
        assert_same(
            &reference,
            &other,
            &format!("chunks of {chunk_rows} rows and staged batches of {batch_rows}"),
        );
    }
}

#[test]
fn the_sizes_prospects_are_scored_in_change_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let data = demo_data(dir.path());
    let reference = build(&data, dir.path(), "default", 2, Chunking::default());
    assert!(
        reference.targets.counts.accounts > 500,
        "enough prospects for many groups"
    );
    for score_rows in [1, 7, 300] {
        let options = Options {
            score_rows,
            ..options_with(2)
        };
        let other = build_options(&data, dir.path(), &format!("s{score_rows}"), options);
        assert_same(
            &reference,
            &other,
            &format!("prospects scored {score_rows} at a time"),
        );
    }
}

#[test]
fn csv_parquet_and_xlsx_copies_of_the_data_write_the_same_outputs() {
    let dir = tempfile::tempdir().expect("dir");
    let data = demo_data(dir.path());
    let reference = build(&data, dir.path(), "csv", 2, Chunking::default());
    let (parquet, xlsx) = (dir.path().join("parquet"), dir.path().join("xlsx"));
    fs_err::create_dir_all(&parquet).expect("mkdir");
    fs_err::create_dir_all(&xlsx).expect("mkdir");
    let mut tables = 0;
    for entry in fs_err::read_dir(&data).expect("data") {
        let path = entry.expect("entry").path();
        let stem = path.file_stem().expect("stem").to_string_lossy().into_owned();
        to_parquet(&path, &parquet.join(format!("{stem}.parquet")));
        to_xlsx(&path, &xlsx.join(format!("{stem}.xlsx")));
        tables += 1;
    }
    assert_eq!(tables, 10, "every table copied");
    let from_parquet = build(&parquet, dir.path(), "from-parquet", 2, Chunking::default());
    assert_same(&reference, &from_parquet, "the tables as Parquet");
    let from_xlsx = build(&xlsx, dir.path(), "from-xlsx", 2, Chunking::default());
    assert_same(&reference, &from_xlsx, "the tables as XLSX");
}

/// The CSV file `csv` as a Parquet file of typed columns (numbers, dates, text), as the
/// engine infers them.
fn to_parquet(csv: &Path, parquet: &Path) {
    let format = Format::default().with_header(true);
    let (schema, _) = format
        .infer_schema(fs_err::File::open(csv).expect("open"), None)
        .expect("schema");
    let schema = Arc::new(schema);
    let reader = ReaderBuilder::new(schema.clone())
        .with_format(format)
        .build(fs_err::File::open(csv).expect("open"))
        .expect("reader");
    let mut writer =
        ArrowWriter::try_new(fs_err::File::create(parquet).expect("create"), schema, None).expect("writer");
    for batch in reader {
        writer.write(&batch.expect("batch")).expect("write");
    }
    writer.close().expect("close");
}

/// The CSV file `csv` as a one-sheet workbook: numbers as number cells, the rest as text.
fn to_xlsx(csv: &Path, xlsx: &Path) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(csv)
        .expect("csv");
    for (r, record) in reader.records().enumerate() {
        for (c, cell) in record.expect("record").iter().enumerate() {
            let (row, col) = (r as u32, c as u16);
            match cell.parse::<f64>() {
                Ok(x) if r > 0 && x.is_finite() => sheet.write_number(row, col, x),
                _ => sheet.write_string(row, col, cell),
            }
            .expect("cell");
        }
    }
    book.save(xlsx).expect("save");
}
