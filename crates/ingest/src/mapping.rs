//! How the columns of a file become the canonical columns of a table: by name, by a configured
//! source column, or by an SQL expression over the file's columns, with an optional row filter.

use std::sync::Arc;

use northstar_engine::arrow::array::{
    Array, ArrayRef, BooleanArray, Float64Builder, Int64Builder, StringArray, StringBuilder,
};
use northstar_engine::arrow::compute::cast;
use northstar_engine::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use northstar_engine::arrow::record_batch::RecordBatch;
use northstar_engine::{Engine, RowExpr};

use std::path::Path;

use crate::config::{IdFormat, TableConfig};
use crate::contract::TableSpec;
use crate::crm::{self, LabelReader, Reading, salesforce_id18, stage_from_flags};
use crate::error::{IngestError, NotInFile};

/// Where one canonical column's value comes from.
enum Origin {
    /// Not in the file.
    Absent,
    /// The file's column at this index.
    Column(usize),
    /// An SQL expression over the file's columns.
    Expr(RowExpr),
}

/// The resolved mapping of one file onto one table.
pub struct ColumnPlan {
    spec: &'static TableSpec,
    origins: Vec<Origin>,
    /// Per source column: whether more than one output takes it (then it is copied, else moved).
    shared: Vec<bool>,
    extra: Vec<(String, usize)>,
    filter: Option<RowExpr>,
    source_schema: Option<SchemaRef>,
    /// Per canonical column: how its CRM labels are read, when the mapping lists any.
    labels: Vec<Option<LabelReader>>,
    /// Deals: the stage column, and the file's closed and won flag columns.
    flags: Option<(usize, Option<usize>, Option<usize>)>,
    /// Canonical columns holding record ids, lengthened when they are Salesforce's short form.
    salesforce_ids: Vec<usize>,
    /// The `account_id` column, when it may list several ids of which the first counts.
    first_of_several: Option<usize>,
    /// What the mapping met: headers missing, labels read, ids with several accounts.
    usage: MappingUsage,
}

/// What mapping one file met, for the ingest summary and the run record.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct MappingUsage {
    /// Preset headers that are not in the file (their columns are skipped).
    pub not_in_file: Vec<String>,
    /// Every CRM label met, how it was read and in how many rows.
    pub labels: Vec<LabelUse>,
    /// Rows left out because their label is neither customer nor prospect (partners, say).
    pub left_out_by_label: u64,
    /// Fields whose label no list names, read by their column's rule (an unlisted deal stage
    /// is open, an unlisted buying role unknown, an unlisted business type empty).
    pub unlisted_labels: u64,
    /// Rows whose `account_id` listed several ids (the first, the primary, was taken).
    pub several_accounts: u64,
    /// Salesforce ids turned from the 15- to the 18-character form.
    pub ids_lengthened: u64,
}

/// One CRM label met in a column, how it was read and how often.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LabelUse {
    /// The canonical column.
    pub column: String,
    /// The label as written.
    pub label: String,
    /// What it was read as.
    pub read_as: String,
    /// Rows with it.
    pub rows: u64,
}

/// The type a source column is read as inside expressions: the narrowest that fits every value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SourceType {
    /// Every value is a whole number.
    Int,
    /// Every value is a number.
    Float,
    /// Anything else.
    Text,
}

/// Tracks, for each source column, the narrowest type that fits every value seen.
#[derive(Debug, Clone)]
pub struct TypeInference {
    types: Vec<SourceType>,
    first_text: Vec<Option<(u64, String)>>,
}

impl TypeInference {
    /// Starts with every column as a whole number.
    pub fn new(width: usize) -> Self {
        Self {
            types: vec![SourceType::Int; width],
            first_text: vec![None; width],
        }
    }

    /// Widens the column types to fit one row.
    pub fn observe(&mut self, line: u64, fields: &[Option<String>]) {
        for (i, field) in fields.iter().enumerate() {
            let Some(text) = field else { continue };
            let fits = |t: SourceType| match t {
                SourceType::Int => text.parse::<i64>().is_ok(),
                SourceType::Float => text.parse::<f64>().is_ok_and(f64::is_finite),
                SourceType::Text => true,
            };
            while !fits(self.types[i]) {
                self.types[i] = match self.types[i] {
                    SourceType::Int => SourceType::Float,
                    _ => SourceType::Text,
                };
            }
            if self.types[i] == SourceType::Text && self.first_text[i].is_none() {
                self.first_text[i] = Some((line, crate::source::shorten(text)));
            }
        }
    }
}

impl ColumnPlan {
    /// Whether rows must go through the engine (expressions or a filter). Fails when a mapping
    /// names a column the file lacks, before the file is read for the types.
    pub fn needs_types(
        spec: &TableSpec,
        path: &Path,
        header: &[String],
        config: &TableConfig,
        engine: &Engine,
    ) -> Result<bool, IngestError> {
        let text_schema = Arc::new(Schema::new(
            header
                .iter()
                .map(|h| Field::new(h, DataType::Utf8, true))
                .collect::<Vec<_>>(),
        ));
        // Read as text, an expression may fail on types the file's values will settle; it is
        // no expression when it does not parse or names no column of the file.
        let names_no_column = |sql: &str| {
            engine.compile_expr(text_schema.clone(), sql).is_err_and(|e| {
                let e = e.to_string();
                e.contains("ParserError") || e.contains("No field named")
            })
        };
        let mut expressions = false;
        for (column, source) in &config.columns {
            if source.from_preset || first_found(header, &source.names).is_some() {
                continue;
            }
            match source.names.as_slice() {
                [sql] if !names_no_column(sql) => expressions = true,
                names => return Err(not_in_file(spec, path, header, column, names)),
            }
        }
        Ok(expressions || config.filter.is_some())
    }

    /// Resolves the mapping of `header` onto `spec`; `types` is given when [`Self::needs_types`].
    pub fn resolve(
        spec: &'static TableSpec,
        path: &Path,
        header: &[String],
        config: &TableConfig,
        types: Option<&TypeInference>,
        engine: &Engine,
    ) -> Result<Self, IngestError> {
        let source_schema = types.map(|t| {
            let fields: Vec<Field> = header
                .iter()
                .zip(&t.types)
                .map(|(name, ty)| {
                    let data_type = match ty {
                        SourceType::Int => DataType::Int64,
                        SourceType::Float => DataType::Float64,
                        SourceType::Text => DataType::Utf8,
                    };
                    Field::new(name, data_type, true)
                })
                .collect();
            Arc::new(Schema::new(fields))
        });
        let compile = |column: &str, sql: &str| -> Result<RowExpr, IngestError> {
            let schema = source_schema.clone().ok_or_else(|| IngestError::Mapping {
                table: spec.name.to_owned(),
                column: column.to_owned(),
                reason: "an expression needs the file's column types".to_owned(),
            })?;
            engine
                .compile_expr(schema, sql)
                .map_err(|e| IngestError::Mapping {
                    table: spec.name.to_owned(),
                    column: column.to_owned(),
                    reason: format!("{e}{}", text_column_hint(header, types, sql)),
                })
        };
        let mut origins = Vec::with_capacity(spec.columns.len());
        let mut used = vec![false; header.len()];
        let mut usage = MappingUsage::default();
        for column in spec.columns {
            let origin = match config.columns.get(column.name) {
                Some(source) => match (first_found(header, &source.names), source.names.as_slice()) {
                    (Some(i), _) => Origin::Column(i),
                    (None, _) if source.from_preset => {
                        usage.not_in_file.push(source.names[0].clone());
                        Origin::Absent
                    }
                    (None, [sql]) => Origin::Expr(compile(column.name, sql)?),
                    (None, names) => return Err(not_in_file(spec, path, header, column.name, names)),
                },
                None => match find_column(header, column.name) {
                    Some(i) => Origin::Column(i),
                    None => Origin::Absent,
                },
            };
            if let Origin::Column(i) = origin {
                let names = config.columns.get(column.name).map_or(&[][..], |c| &c.names[..]);
                let answers = |h: &String| {
                    h.eq_ignore_ascii_case(column.name)
                        || names.iter().any(|n| h.eq_ignore_ascii_case(n.trim()))
                };
                if let Some(j) = other_column(header, config, i, answers) {
                    return Err(two_sources(spec, path, header, column.name, i, j));
                }
                used[i] = true;
            }
            if column.required && matches!(origin, Origin::Absent) {
                return Err(missing_column(spec, path, header, column.name));
            }
            origins.push(origin);
        }
        let extra = if spec.keeps_extra_columns {
            header
                .iter()
                .enumerate()
                .filter(|(i, name)| {
                    !used[*i]
                        && !name.is_empty()
                        && spec.column(name).is_none()
                        && !config.ignore.iter().any(|n| n.eq_ignore_ascii_case(name))
                        && !config.flags.values().any(|f| f.names.contains(name))
                })
                .map(|(i, name)| (name.clone(), i))
                .collect()
        } else {
            Vec::new()
        };
        for (at, (name, i)) in extra.iter().enumerate() {
            if let Some((_, j)) = extra[at + 1..]
                .iter()
                .find(|(other, _)| other.eq_ignore_ascii_case(name))
            {
                return Err(two_sources(spec, path, header, name, *i, *j));
            }
        }
        let filter = config
            .filter
            .as_deref()
            .map(|sql| compile("where", sql))
            .transpose()?;
        let mut uses = vec![0usize; header.len()];
        let direct = origins.iter().filter_map(|o| match o {
            Origin::Column(i) => Some(*i),
            _ => None,
        });
        for i in direct.chain(extra.iter().map(|(_, i)| *i)) {
            uses[i] += 1;
        }
        let index = |name: &str| spec.columns.iter().position(|c| c.name == name);
        let labels = spec
            .columns
            .iter()
            .map(|c| {
                let listed = config.labels.get(c.name)?;
                LabelReader::new(spec, c.name, listed)
            })
            .collect();
        let flag = |name: &str| config.flags.get(name).and_then(|f| first_found(header, &f.names));
        let flags = index("stage")
            .map(|stage| (stage, flag("is_closed"), flag("is_won")))
            .filter(|(_, closed, won)| closed.is_some() || won.is_some());
        let salesforce_ids = match config.ids {
            IdFormat::Plain => Vec::new(),
            IdFormat::Salesforce => ["account_id", "deal_id", "contact_id", "referred_by"]
                .into_iter()
                .filter_map(index)
                .collect(),
        };
        Ok(Self {
            spec,
            origins,
            shared: uses.into_iter().map(|n| n > 1).collect(),
            extra,
            filter,
            source_schema,
            labels,
            flags,
            salesforce_ids,
            first_of_several: index("account_id").filter(|_| config.first_of_several_accounts),
            usage,
        })
    }

    /// The canonical columns the file gives (by a column or an expression).
    pub fn present_columns(&self) -> Vec<String> {
        self.spec
            .columns
            .iter()
            .zip(&self.origins)
            .filter(|(_, o)| !matches!(o, Origin::Absent))
            .map(|(c, _)| c.name.to_owned())
            .collect()
    }

    /// What mapping the file met so far.
    pub fn usage(&self) -> &MappingUsage {
        &self.usage
    }

    /// Custom attribute columns kept from the file.
    pub fn extra_columns(&self) -> Vec<String> {
        self.extra.iter().map(|(name, _)| name.clone()).collect()
    }

    /// For a plan that only takes columns as they are (no expression, `where`, CRM label, id
    /// form or list of ids), the source column of each output column, canonical then custom:
    /// a row maps to those fields as they are.
    pub fn direct_sources(&self) -> Option<Vec<Option<usize>>> {
        let plain = self.filter.is_none()
            && self.labels.iter().all(Option::is_none)
            && self.flags.is_none()
            && self.salesforce_ids.is_empty()
            && self.first_of_several.is_none();
        if !plain {
            return None;
        }
        let mut sources = Vec::with_capacity(self.origins.len() + self.extra.len());
        for origin in &self.origins {
            sources.push(match origin {
                Origin::Absent => None,
                Origin::Column(i) => Some(*i),
                Origin::Expr(_) => return None,
            });
        }
        sources.extend(self.extra.iter().map(|(_, i)| Some(*i)));
        Some(sources)
    }

    /// Maps a chunk of rows: for each, its canonical texts followed by its custom attribute
    /// texts, or why it is left out or rejected. Fields are moved out of `rows`, not copied.
    pub fn apply(&mut self, rows: &mut [(u64, Vec<Option<String>>)]) -> Result<Vec<Mapped>, IngestError> {
        let table = self.spec.name;
        let mapping_error = |column: &str, reason: String| IngestError::Mapping {
            table: table.to_owned(),
            column: column.to_owned(),
            reason,
        };
        let batch = match &self.source_schema {
            Some(schema) => Some(typed_batch(schema, rows).map_err(|e| mapping_error("", e))?),
            None => None,
        };
        let mut evaluated: Vec<Option<Evaluated<StringArray>>> = Vec::with_capacity(self.origins.len());
        for origin in &self.origins {
            evaluated.push(match (origin, &batch) {
                (Origin::Expr(expr), Some(batch)) => Some(evaluate(expr, batch, as_text)),
                _ => None,
            });
        }
        let keep = match (&self.filter, &batch) {
            (Some(filter), Some(batch)) => Some(evaluate(filter, batch, |mask| {
                mask.as_any()
                    .downcast_ref::<BooleanArray>()
                    .cloned()
                    .ok_or_else(|| "the condition must be true or false".to_owned())
            })),
            _ => None,
        };
        let mut out = Vec::with_capacity(rows.len());
        'rows: for (r, (_, fields)) in rows.iter_mut().enumerate() {
            match keep
                .as_ref()
                .map(|k| k.at(r, |mask, i| !mask.is_null(i) && mask.value(i)))
            {
                Some(Err(reason)) => {
                    out.push(Mapped::Failed {
                        column: "where".to_owned(),
                        reason,
                    });
                    continue;
                }
                Some(Ok(false)) => {
                    out.push(Mapped::Excluded);
                    continue;
                }
                Some(Ok(true)) | None => {}
            }
            let mut texts = Vec::with_capacity(self.origins.len() + self.extra.len());
            for ((origin, values), column) in self.origins.iter().zip(&evaluated).zip(self.spec.columns) {
                texts.push(match (origin, values) {
                    (Origin::Column(i), _) => self.field(fields, *i),
                    (Origin::Expr(_), Some(values)) => {
                        let text = values.at(r, |v, i| {
                            (!v.is_null(i))
                                .then(|| v.value(i).trim().to_owned())
                                .filter(|s| !s.is_empty())
                        });
                        match text {
                            Ok(text) => text,
                            Err(reason) => {
                                out.push(Mapped::Failed {
                                    column: column.name.to_owned(),
                                    reason,
                                });
                                continue 'rows;
                            }
                        }
                    }
                    _ => None,
                });
            }
            let flags = self.flags.map(|(stage, closed, won)| {
                let read = |i: Option<usize>| i.and_then(|i| fields[i].as_deref()).and_then(crm::flag);
                (stage, stage_from_flags(read(closed), read(won)))
            });
            texts.extend(self.extra.iter().map(|(_, i)| self.field(fields, *i)));
            out.push(match self.read_crm(texts, flags) {
                Some(texts) => Mapped::Row(texts),
                None => Mapped::Excluded,
            });
        }
        Ok(out)
    }

    /// Applies the CRM's ways to one mapped row: several ids, id forms, labels and flags;
    /// `None` when its label leaves it out.
    fn read_crm(
        &mut self,
        mut texts: Vec<Option<String>>,
        flags: Option<(usize, Option<&'static str>)>,
    ) -> Option<Vec<Option<String>>> {
        if let Some(i) = self.first_of_several
            && let Some(text) = texts[i].take()
        {
            let (first, several) = crm::first_id(&text);
            self.usage.several_accounts += u64::from(several);
            texts[i] = first;
        }
        for &i in &self.salesforce_ids {
            if let Some(long) = texts[i].as_deref().and_then(salesforce_id18) {
                texts[i] = Some(long);
                self.usage.ids_lengthened += 1;
            }
        }
        let mut keep = true;
        for (i, reader) in self.labels.iter().enumerate() {
            let Some(reader) = reader else { continue };
            let Some(label) = texts[i].take() else { continue };
            let by_flags = flags.and_then(|(stage, read)| read.filter(|_| stage == i));
            let (reading, how) = match by_flags {
                Some(word) => (
                    Reading::Value(word),
                    format!("{word} (by the closed and won flags)"),
                ),
                None => {
                    let reading = reader.read(&label);
                    (reading, reading.describe())
                }
            };
            count_label(&mut self.usage.labels, self.spec.columns[i].name, label, how);
            match reading {
                Reading::Value(word) => texts[i] = Some(word.to_owned()),
                Reading::Unlisted(word) => {
                    self.usage.unlisted_labels += 1;
                    texts[i] = Some(word.to_owned());
                }
                Reading::Empty => self.usage.unlisted_labels += 1,
                Reading::LeaveOut => keep = false,
            }
        }
        if !keep {
            self.usage.left_out_by_label += 1;
        }
        keep.then_some(texts)
    }
}

/// Counts one more row with `label` in `column`, read as `read_as`.
fn count_label(uses: &mut Vec<LabelUse>, column: &str, label: String, read_as: String) {
    match uses
        .iter_mut()
        .find(|u| u.column == column && u.label == label && u.read_as == read_as)
    {
        Some(used) => used.rows += 1,
        None => uses.push(LabelUse {
            column: column.to_owned(),
            label,
            read_as,
            rows: 1,
        }),
    }
}

impl ColumnPlan {
    /// Source field `i` of a row: moved out when only one output takes it.
    fn field(&self, fields: &mut [Option<String>], i: usize) -> Option<String> {
        if self.shared[i] {
            fields[i].clone()
        } else {
            fields[i].take()
        }
    }
}

/// The index of the first of `names` that is a header column.
fn first_found(header: &[String], names: &[String]) -> Option<usize> {
    names.iter().find_map(|n| find_column(header, n))
}

/// A column of `header` other than `i`, neither ignored nor a deal flag, that `answers` to the
/// same name.
fn other_column(
    header: &[String],
    config: &TableConfig,
    i: usize,
    answers: impl Fn(&String) -> bool,
) -> Option<usize> {
    let named = |h: &String, names: &[String]| names.iter().any(|n| h.eq_ignore_ascii_case(n.trim()));
    let taken = |h: &String| named(h, &config.ignore) || config.flags.values().any(|f| named(h, &f.names));
    (0..header.len()).find(|&j| j != i && answers(&header[j]) && !taken(&header[j]))
}

/// Two columns of the file that would both give `column`: which one is meant is not guessed.
fn two_sources(
    spec: &TableSpec,
    path: &Path,
    header: &[String],
    column: &str,
    i: usize,
    j: usize,
) -> IngestError {
    let (first, second) = (i.min(j), i.max(j));
    IngestError::Mapping {
        table: spec.name.to_owned(),
        column: column.to_owned(),
        reason: format!(
            "two columns of `{}` map to it, `{}` (column {}) and `{}` (column {}); keep one, and name the other under `ignore` in northstar.toml",
            path.display(),
            header[first],
            first + 1,
            header[second],
            second + 1
        ),
    }
}

/// A mapping that names columns the file lacks, with the closest header as a suggestion.
fn not_in_file(
    spec: &TableSpec,
    path: &Path,
    header: &[String],
    column: &str,
    names: &[String],
) -> IngestError {
    let wanted = names.first().cloned().unwrap_or_default();
    let closest = header
        .iter()
        .map(|h| (strsim::jaro_winkler(&h.to_lowercase(), &wanted.to_lowercase()), h))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    IngestError::NotInFile(Box::new(NotInFile {
        path: path.to_owned(),
        table: spec.name.to_owned(),
        column: column.to_owned(),
        source_column: names.join("` or `"),
        found: format!(
            "its columns are: {}{}",
            listed(header),
            closest.map_or_else(String::new, |(_, h)| format!("; did you mean `{h}`?"))
        ),
    }))
}

/// Header names as a list for messages.
fn listed(header: &[String]) -> String {
    header
        .iter()
        .map(|h| format!("`{h}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The index of the header column called `name`: exact match first, then ignoring case.
fn find_column(header: &[String], name: &str) -> Option<usize> {
    header
        .iter()
        .position(|h| h == name)
        .or_else(|| header.iter().position(|h| h.eq_ignore_ascii_case(name.trim())))
}

fn missing_column(spec: &TableSpec, path: &Path, header: &[String], column: &str) -> IngestError {
    let found = if header.len() == 1 {
        format!("one column `{}`", crate::source::shorten(&header[0]))
    } else {
        format!("columns {}", listed(header))
    };
    let hint = match header {
        [only] if only.contains(';') => {
            "; the file looks `;`-delimited: set delimiter = \";\" in northstar.toml".to_owned()
        }
        [only] if only.contains('\t') => {
            "; the file looks tab-delimited: name it .tsv or set delimiter = \"\\t\"".to_owned()
        }
        [only] if only.contains('|') => {
            "; the file looks `|`-delimited: set delimiter = \"|\" in northstar.toml".to_owned()
        }
        _ => format!(
            "; map it in northstar.toml, e.g. [{}] {column} = \"Your column\"",
            spec.name
        ),
    };
    IngestError::MissingColumn {
        path: path.to_owned(),
        table: spec.name.to_owned(),
        column: column.to_owned(),
        found,
        hint,
    }
}

/// Advice when an expression fails because a column it names holds text.
fn text_column_hint(header: &[String], types: Option<&TypeInference>, sql: &str) -> String {
    let Some(types) = types else { return String::new() };
    header
        .iter()
        .enumerate()
        .filter(|(_, name)| sql.contains(name.as_str()))
        .find_map(|(i, name)| {
            types.first_text[i].as_ref().map(|(line, value)| {
                format!(
                    "; column `{name}` is read as text because line {line} holds `{value}`: \
                     use TRY_CAST({name} AS DOUBLE) to reject such rows instead"
                )
            })
        })
        .unwrap_or_default()
}

/// The rows' fields as typed Arrow columns (all values fit: the types were inferred from them).
fn typed_batch(schema: &SchemaRef, rows: &[(u64, Vec<Option<String>>)]) -> Result<RecordBatch, String> {
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for (i, field) in schema.fields().iter().enumerate() {
        let cells = rows.iter().map(|(_, f)| f[i].as_deref());
        arrays.push(match field.data_type() {
            DataType::Int64 => {
                let mut b = Int64Builder::with_capacity(rows.len());
                cells.for_each(|c| b.append_option(c.and_then(|t| t.parse().ok())));
                Arc::new(b.finish())
            }
            DataType::Float64 => {
                let mut b = Float64Builder::with_capacity(rows.len());
                cells.for_each(|c| b.append_option(c.and_then(|t| t.parse().ok())));
                Arc::new(b.finish())
            }
            _ => {
                let mut b = StringBuilder::with_capacity(rows.len(), rows.len() * 8);
                cells.for_each(|c| b.append_option(c));
                Arc::new(b.finish())
            }
        });
    }
    RecordBatch::try_new(schema.clone(), arrays).map_err(|e| e.to_string())
}

/// What mapping made of one row.
#[derive(Debug, PartialEq)]
pub enum Mapped {
    /// Its canonical texts, then its custom attribute texts.
    Row(Vec<Option<String>>),
    /// The `where` condition or its CRM label leaves it out.
    Excluded,
    /// An expression of the mapping (or the `where` condition) fails on it.
    Failed {
        /// The canonical column the expression gives, or `where`.
        column: String,
        /// The expression's error.
        reason: String,
    },
}

/// An expression's values over a chunk: one array, or, when it fails on the chunk, each row's
/// own value or error.
enum Evaluated<T> {
    Chunk(T),
    Rows(Vec<Result<T, String>>),
}

impl<T> Evaluated<T> {
    /// Row `r`'s value, read from its array by `read`, or the expression's error on it.
    fn at<V>(&self, r: usize, read: impl Fn(&T, usize) -> V) -> Result<V, String> {
        match self {
            Evaluated::Chunk(values) => Ok(read(values, r)),
            Evaluated::Rows(rows) => match &rows[r] {
                Ok(values) => Ok(read(values, 0)),
                Err(reason) => Err(reason.clone()),
            },
        }
    }
}

/// `expr` over `batch`, its result converted by `convert`; when it fails on the whole batch, it
/// is evaluated row by row, so that only the rows it fails on are rejected, each with the error.
fn evaluate<T>(
    expr: &RowExpr,
    batch: &RecordBatch,
    convert: impl Fn(&ArrayRef) -> Result<T, String>,
) -> Evaluated<T> {
    let on = |batch: &RecordBatch| {
        expr.evaluate(batch)
            .map_err(|e| format!("the mapping's expression fails on this row: {e}"))
            .and_then(|values| convert(&values))
    };
    match on(batch) {
        Ok(values) => Evaluated::Chunk(values),
        Err(_) => Evaluated::Rows((0..batch.num_rows()).map(|r| on(&batch.slice(r, 1))).collect()),
    }
}

fn as_text(values: &ArrayRef) -> Result<StringArray, String> {
    let text = cast(values, &DataType::Utf8).map_err(|e| e.to_string())?;
    text.as_any()
        .downcast_ref::<StringArray>()
        .cloned()
        .ok_or_else(|| "expression result is not text".to_owned())
}
