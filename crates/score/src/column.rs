//! The rules of an ICP compiled into tests on the columns of a batch.

use std::collections::HashMap;

use foldhash::fast::FixedState;

use northstar_engine::arrow::array::{
    Array, AsArray, DictionaryArray, Float64Array, Int64Array, PrimitiveArray, StringArray,
};
use northstar_engine::arrow::buffer::NullBuffer;
use northstar_engine::arrow::compute::cast;
use northstar_engine::arrow::datatypes::{ArrowPrimitiveType, DataType, Int32Type};
use northstar_engine::arrow::error::ArrowError;
use northstar_engine::arrow::record_batch::RecordBatch;
use northstar_profile::Rule;
use northstar_read::source::is_text_dictionary;
use northstar_read::values::trim;

use crate::effect::{Cuts, Effect, Role};
use crate::kind::Kind;

/// Every rule of an ICP compiled into a test on its column, the tests grouped by column so that
/// a batch's column is read once however many rules read it: numbers cast once, and each
/// distinct text (a category or a whole `;`-separated list) judged once by every test of its
/// column.
#[derive(Debug, Clone)]
pub struct Plan {
    groups: Vec<Group>,
    rules: usize,
}

/// The tests of one column, each with the position of its rule.
#[derive(Debug, Clone)]
struct Group {
    column: String,
    tests: Vec<(usize, Kind)>,
    /// The cut points of the tests, for the column read as numbers.
    cuts: Cuts,
}

/// Batches of at most this many rows are judged without a cache of distinct texts.
const FEW_ROWS: usize = 8;

/// Each rule's verdict on each row: `None` where the value is unknown (null, blank or a column
/// the batch lacks).
pub type RuleVerdicts = Vec<Vec<Option<bool>>>;

impl Plan {
    /// The tests of `rules`, in their order.
    pub fn new<'a>(rules: impl IntoIterator<Item = &'a Rule>) -> Self {
        let mut columns: Vec<(String, Vec<(usize, Kind)>)> = Vec::new();
        let mut count = 0;
        for (i, rule) in rules.into_iter().enumerate() {
            count += 1;
            let kind = Kind::new(&rule.condition);
            match columns.iter_mut().find(|(column, _)| *column == rule.attribute) {
                Some((_, tests)) => tests.push((i, kind)),
                None => columns.push((rule.attribute.clone(), vec![(i, kind)])),
            }
        }
        let groups = columns
            .into_iter()
            .map(|(column, tests)| Group {
                cuts: Cuts::new(tests.iter().map(|(_, kind)| kind)),
                column,
                tests,
            })
            .collect();
        Self { groups, rules: count }
    }

    /// Every rule's verdicts over the rows of `batch`, in the rules' order.
    pub fn apply(&self, batch: &RecordBatch) -> Result<RuleVerdicts, ArrowError> {
        let mut out = vec![Vec::new(); self.rules];
        self.visit(batch, |rule, verdicts| out[rule] = verdicts.to_vec())?;
        Ok(out)
    }

    /// Hands each rule's verdicts over the rows of `batch` to `each(rule, verdicts)`, rule by
    /// rule, in one buffer reused for every rule.
    fn visit(
        &self,
        batch: &RecordBatch,
        mut each: impl FnMut(usize, &[Option<bool>]),
    ) -> Result<(), ArrowError> {
        let mut buffer = Vec::with_capacity(batch.num_rows());
        for group in &self.groups {
            group.visit(batch, &mut buffer, &mut each)?;
        }
        Ok(())
    }

    /// Hands, column by column, what the rules of each column do to the rows of `batch` to
    /// `each(table, index)`: row r meets `table[index[r]]`. `roles` gives each rule's role, in
    /// the rules' order.
    pub fn effects(
        &self,
        batch: &RecordBatch,
        roles: &[Role],
        mut each: impl FnMut(&[Effect], &[u32]),
    ) -> Result<(), ArrowError> {
        let mut index = Vec::with_capacity(batch.num_rows());
        for group in &self.groups {
            let table = group.effects(batch, roles, &mut index)?;
            each(&table, &index);
        }
        Ok(())
    }
}

impl Group {
    /// The group's column of `batch` as its tests read it.
    fn read(&self, batch: &RecordBatch) -> Result<Read, ArrowError> {
        let n = batch.num_rows();
        let Some((at, _)) = batch.schema_ref().column_with_name(&self.column) else {
            return Ok(Read::Missing);
        };
        let column = batch.column(at);
        if column.data_type().is_numeric() {
            return Ok(Read::Numbers(Numbers::of(column)?));
        }
        // Text read in place in the layouts the engine and Parquet give; others cast to text.
        Ok(Read::Texts(match column.data_type() {
            DataType::Utf8View => self.judge(n, column.as_string_view().iter()),
            DataType::Utf8 => self.judge(n, column.as_string::<i32>().iter()),
            DataType::LargeUtf8 => self.judge(n, column.as_string::<i64>().iter()),
            DataType::Dictionary(..) if is_text_dictionary(column.data_type()) => {
                self.judge_dictionary(column.as_dictionary::<Int32Type>())
            }
            _ => self.judge(n, as_texts(column)?.iter()),
        }))
    }

    /// Hands each test's verdicts over the rows of `batch` to `each`, through `buffer`.
    fn visit(
        &self,
        batch: &RecordBatch,
        buffer: &mut Vec<Option<bool>>,
        each: &mut impl FnMut(usize, &[Option<bool>]),
    ) -> Result<(), ArrowError> {
        let k = self.tests.len();
        let read = self.read(batch)?;
        for (t, (i, kind)) in self.tests.iter().enumerate() {
            buffer.clear();
            match &read {
                Read::Missing => buffer.resize(batch.num_rows(), None),
                Read::Numbers(numbers) => match kind {
                    Kind::Range { min, max } => numbers.judge(buffer, |x| x >= *min && x <= *max),
                    _ => numbers.judge(buffer, |x| kind.matches_number(x)),
                },
                Read::Texts(texts) => buffer.extend(
                    (texts.rows.iter()).map(|d| (*d != BLANK).then(|| texts.judged[*d as usize * k + t])),
                ),
            }
            each(*i, buffer);
        }
        Ok(())
    }

    /// What the group's rules, in `roles`, do to each row of `batch`: a table of effects, and
    /// each row's position in it, in `index`.
    fn effects(
        &self,
        batch: &RecordBatch,
        roles: &[Role],
        index: &mut Vec<u32>,
    ) -> Result<Vec<Effect>, ArrowError> {
        let rules = || self.tests.iter().map(|(i, _)| *i);
        let unknown = Effect::of(roles, rules().map(|i| (i, None)));
        index.clear();
        match self.read(batch)? {
            Read::Missing => {
                index.resize(batch.num_rows(), 0);
                Ok(vec![unknown])
            }
            Read::Numbers(numbers) => {
                let cuts = &self.cuts;
                let mut table: Vec<Effect> = (0..cuts.regions())
                    .map(|r| {
                        let x = cuts.representative(r);
                        Effect::of(
                            roles,
                            self.tests.iter().map(|(i, k)| (*i, Some(k.matches_number(x)))),
                        )
                    })
                    .collect();
                let null = table.len() as u32;
                table.push(unknown);
                numbers.regions(cuts, null, index);
                Ok(table)
            }
            Read::Texts(texts) => {
                let k = self.tests.len();
                let table = texts
                    .judged
                    .chunks(k)
                    .enumerate()
                    .map(|(d, judged)| match d as u32 {
                        BLANK => unknown,
                        _ => Effect::of(roles, rules().zip(judged.iter().map(|v| Some(*v)))),
                    })
                    .collect();
                *index = texts.rows;
                Ok(table)
            }
        }
    }

    /// Judges each distinct text by every test once (a batch of a few rows, as a service scores,
    /// is judged row by row: a cache would cost more than it saves).
    fn judge<'a>(&self, rows: usize, texts: impl Iterator<Item = Option<&'a str>>) -> Distinct {
        let mut distinct = Distinct::new(rows, self.tests.len());
        let mut seen: HashMap<&'a str, u32, FixedState> = HashMap::default();
        for text in texts {
            let entry = match text.map(trim).filter(|t| !t.is_empty()) {
                None => BLANK,
                Some(text) if rows <= FEW_ROWS => self.judge_text(text, &mut distinct.judged),
                Some(text) => *seen
                    .entry(text)
                    .or_insert_with(|| self.judge_text(text, &mut distinct.judged)),
            };
            distinct.rows.push(entry);
        }
        distinct
    }

    /// Judges `text` by every test, appending the verdicts to `judged`; its position there.
    fn judge_text(&self, text: &str, judged: &mut Vec<bool>) -> u32 {
        let k = self.tests.len();
        judged.extend(self.tests.iter().map(|(_, kind)| kind.matches(text)));
        (judged.len() / k - 1) as u32
    }

    /// Judges a column of texts stored as a dictionary, as [`Group::judge`] judges plain texts:
    /// each text a row refers to is judged once and found again by its key, with no hashing (a
    /// slice of a batch shares the whole dictionary, most of which its rows may not refer to).
    fn judge_dictionary(&self, column: &DictionaryArray<Int32Type>) -> Distinct {
        let texts = column.values().as_string::<i32>();
        let mut distinct = Distinct::new(column.len(), self.tests.len());
        // The keys the rows refer to (a null row's key may point anywhere: it is not read),
        // then each of those texts judged, then each row's position.
        let mut positions = vec![UNJUDGED; texts.len()];
        let keys = column.keys().values();
        let nulls = column.nulls().filter(|n| n.null_count() > 0);
        match &nulls {
            None => keys.iter().for_each(|k| positions[*k as usize] = REFERRED),
            Some(nulls) => nulls
                .valid_indices()
                .for_each(|r| positions[keys[r] as usize] = REFERRED),
        }
        for (key, position) in positions.iter_mut().enumerate() {
            if *position == REFERRED {
                let text = texts.is_valid(key).then(|| trim(texts.value(key)));
                *position = match text.filter(|t| !t.is_empty()) {
                    None => BLANK,
                    Some(text) => self.judge_text(text, &mut distinct.judged),
                };
            }
        }
        let position = |k: &i32| positions.get(*k as usize).copied().unwrap_or(BLANK);
        distinct.rows.extend(keys.iter().map(position));
        if let Some(nulls) = &nulls {
            set_nulls(&mut distinct.rows, nulls, BLANK);
        }
        distinct
    }
}

/// A dictionary key's position before its text is judged: no row refers to it yet.
const UNJUDGED: u32 = u32::MAX;

/// A dictionary key's position once a row refers to it, before its text is judged.
const REFERRED: u32 = u32::MAX - 1;

/// A batch's column as the tests of its group read it.
enum Read {
    /// The batch lacks the column: every value is unknown.
    Missing,
    /// A numeric column.
    Numbers(Numbers),
    /// A text column, each distinct text judged.
    Texts(Distinct),
}

/// The texts of a column judged once each: per row, the position of its text ([`BLANK`] for
/// none), and per position, each test's verdict (none judged at [`BLANK`]).
struct Distinct {
    rows: Vec<u32>,
    judged: Vec<bool>,
}

/// The position of a row without text.
const BLANK: u32 = 0;

impl Distinct {
    /// No rows yet, for `rows` rows judged by `tests` tests (position [`BLANK`] holds no
    /// verdicts of its own).
    fn new(rows: usize, tests: usize) -> Self {
        Self {
            rows: Vec::with_capacity(rows),
            judged: vec![false; tests],
        }
    }
}

/// A numeric column, read as doubles: whole numbers as they are stored (each converted as it is
/// read, as a cast would), others cast.
enum Numbers {
    Doubles(Float64Array),
    Integers(Int64Array),
}

impl Numbers {
    /// The numbers of `column`, a numeric column.
    fn of(column: &dyn Array) -> Result<Self, ArrowError> {
        Ok(match column.data_type() {
            DataType::Float64 => Self::Doubles(column.as_primitive().clone()),
            DataType::Int64 => Self::Integers(column.as_primitive().clone()),
            _ => Self::Doubles(cast_to(column, &DataType::Float64)?),
        })
    }

    /// Each number's region of `cuts` into `index`, `null` where there is no number.
    fn regions(&self, cuts: &Cuts, null: u32, index: &mut Vec<u32>) {
        index.clear();
        index.resize(self.len(), 0);
        let nulls = match self {
            Self::Doubles(n) => {
                cuts.regions_of(n.values(), index);
                n.nulls()
            }
            Self::Integers(n) => {
                let doubles: Vec<f64> = n.values().iter().map(|x| *x as f64).collect();
                cuts.regions_of(&doubles, index);
                n.nulls()
            }
        };
        if let Some(nulls) = nulls.filter(|n| n.null_count() > 0) {
            set_nulls(index, nulls, null);
        }
    }

    /// How many numbers there are.
    fn len(&self) -> usize {
        match self {
            Self::Doubles(n) => n.len(),
            Self::Integers(n) => n.len(),
        }
    }

    /// Each number's verdict by `test`, `None` where it is null, into `buffer`.
    fn judge(&self, buffer: &mut Vec<Option<bool>>, test: impl Fn(f64) -> bool) {
        let verdict = |x: f64| Some(test(x));
        match self {
            Self::Doubles(n) => each_number(n, buffer, None, verdict),
            Self::Integers(n) => each_number(n, buffer, None, |x| verdict(x as f64)),
        }
    }
}

/// `out` set to `of` each value of `numbers`, and to `null` where it is null: a loop over every
/// value without a branch (a test inlined into it), then one over the nulls.
fn each_number<T: ArrowPrimitiveType, V: Copy>(
    numbers: &PrimitiveArray<T>,
    out: &mut Vec<V>,
    null: V,
    of: impl Fn(T::Native) -> V,
) {
    out.clear();
    out.resize(numbers.len(), null);
    for (value, x) in out.iter_mut().zip(numbers.values().iter()) {
        *value = of(*x);
    }
    if let Some(nulls) = numbers.nulls().filter(|n| n.null_count() > 0) {
        set_nulls(out, nulls, null);
    }
}

/// `null` at each null row of `out`.
fn set_nulls<V: Copy>(out: &mut [V], nulls: &NullBuffer, null: V) {
    for (value, valid) in out.iter_mut().zip(nulls.iter()) {
        if !valid {
            *value = null;
        }
    }
}

/// A column as text (a category or a `;`-separated list).
fn as_texts(column: &dyn Array) -> Result<StringArray, ArrowError> {
    cast_to(column, &DataType::Utf8)
}

/// `column` cast to `data_type`, as the array type `A` of that type.
fn cast_to<A: Array + Clone + 'static>(column: &dyn Array, data_type: &DataType) -> Result<A, ArrowError> {
    let cast = cast(&column.slice(0, column.len()), data_type)?;
    cast.as_any()
        .downcast_ref::<A>()
        .cloned()
        .ok_or_else(|| ArrowError::CastError(format!("not a {data_type} column")))
}
