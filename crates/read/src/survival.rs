//! Survival tables for contractual retention: `period,active` rows, optionally with `cohort`,
//! where `active` counts the customers of the cohort still active after `period` periods.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::IngestError;

/// One cohort's survivors: `active[t]` customers still active after period t, from period 0.
#[derive(Debug, Clone, PartialEq)]
pub struct SurvivalCohort {
    /// The cohort's name, or `None` when the table has no `cohort` column.
    pub cohort: Option<String>,
    /// Active customers after each period, from period 0.
    pub active: Vec<f64>,
}

/// Reads a survival table. Each cohort's periods must run 0, 1, 2, … without gaps or repeats
/// (in any row order); counts must be whole, non-negative numbers. Every problem names its line.
pub fn read_survival(path: &Path) -> Result<Vec<SurvivalCohort>, IngestError> {
    let text = fs_err::read_to_string(path).map_err(|source| IngestError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_survival(&text).map_err(|reason| IngestError::Unreadable {
        path: path.to_owned(),
        reason,
    })
}

/// Parses the text of a survival table; see [`read_survival`].
pub fn parse_survival(text: &str) -> Result<Vec<SurvivalCohort>, String> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("cannot read the header: {e}"))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let find = |name: &str| header.iter().position(|h| h == name);
    let (Some(period_at), Some(active_at)) = (find("period"), find("active")) else {
        return Err(format!(
            "a survival table needs the columns `period` and `active` (optionally `cohort`); found {}",
            header.join(", ")
        ));
    };
    let cohort_at = find("cohort");
    let mut cohorts: BTreeMap<Option<String>, BTreeMap<u32, (u64, f64)>> = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("{e}"))?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let period: u32 = field(period_at).parse().map_err(|_| {
            format!(
                "line {line}, column `period`: `{}` is not a whole number of periods",
                field(period_at)
            )
        })?;
        let active: f64 = field(active_at)
            .parse()
            .ok()
            .filter(|a: &f64| a.is_finite() && *a >= 0.0 && a.fract() == 0.0)
            .ok_or_else(|| {
                format!(
                    "line {line}, column `active`: `{}` is not a count of customers",
                    field(active_at)
                )
            })?;
        let cohort = cohort_at.map(|i| field(i).to_owned());
        let periods = cohorts.entry(cohort).or_default();
        if let Some((first, _)) = periods.insert(period, (line, active)) {
            return Err(format!(
                "line {line}: period {period} already given on line {first}"
            ));
        }
    }
    if cohorts.is_empty() {
        return Err("the survival table has no rows".to_owned());
    }
    cohorts
        .into_iter()
        .map(|(cohort, periods)| {
            let name = cohort.as_deref().map(|c| format!("cohort `{c}`: ")).unwrap_or_default();
            for (expected, (period, (line, _))) in periods.iter().enumerate() {
                if *period as usize != expected {
                    return Err(format!(
                        "{name}line {line}: period {period} follows period {}; periods must run 0, 1, 2, … without gaps",
                        expected as i64 - 1
                    ));
                }
            }
            Ok(SurvivalCohort {
                cohort,
                active: periods.into_values().map(|(_, active)| active).collect(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cohorts_are_grouped_and_ordered_by_period() {
        let text = "cohort,period,active\nb,1,60\na,0,100\na,1,70\nb,0,80\n";
        let cohorts = parse_survival(text).unwrap();
        assert_eq!(
            cohorts,
            vec![
                SurvivalCohort {
                    cohort: Some("a".into()),
                    active: vec![100.0, 70.0]
                },
                SurvivalCohort {
                    cohort: Some("b".into()),
                    active: vec![80.0, 60.0]
                },
            ]
        );
        let single = parse_survival("\u{feff}Period,Active\n0,10\n1,4\n").unwrap();
        assert_eq!(single[0].cohort, None);
        assert_eq!(single[0].active, vec![10.0, 4.0]);
    }

    #[test]
    fn problems_name_the_line() {
        for (text, expected) in [
            ("period,count\n0,1\n", "needs the columns"),
            ("period,active\n0,10\n2,5\n", "line 3: period 2 follows period 0"),
            (
                "period,active\n0,10\n0,5\n",
                "line 3: period 0 already given on line 2",
            ),
            ("period,active\n0,10\n1,-5\n", "line 3, column `active`"),
            ("period,active\n0,10\n1,2.5\n", "line 3, column `active`"),
            ("period,active\nx,10\n", "line 2, column `period`"),
            ("period,active\n", "no rows"),
        ] {
            let error = parse_survival(text).unwrap_err();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn any_text_is_parsed_or_refused_without_panic(text in "\\PC{0,200}") {
            let _ = parse_survival(&text);
        }

        #[test]
        fn tables_with_digits_and_commas_never_panic(text in "(period,active(,cohort)?\n)?([0-9a,.\\-]{0,8},[0-9.\\-]{0,8}(,[ab])?\n){0,10}") {
            let _ = parse_survival(&text);
        }
    }
}
