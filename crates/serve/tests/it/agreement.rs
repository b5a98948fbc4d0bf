//! The HTTP score equals the command line's: random accounts around the ICP's own thresholds
//! and categories, blanks included, scored by `northstar score`'s library call and by
//! `POST /v1/score`.

use std::collections::BTreeMap;

use northstar_discover::Condition;
use northstar_profile::Icp;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Value};

use crate::support::{csv_rows, json, request, send, served, state};

/// Each attribute the ICP's rules read, with values that fall on each side of its rules;
/// `""` is unknown.
fn candidates(icp: &Icp) -> Vec<(String, bool, Vec<String>)> {
    let mut by_attribute: BTreeMap<String, (bool, Vec<String>)> = BTreeMap::new();
    for rule in icp.rules() {
        let (list, values) = by_attribute
            .entry(rule.attribute.clone())
            .or_insert_with(|| (false, vec![String::new(), "Other".into()]));
        match &rule.condition {
            Condition::In { values: v } | Condition::NotIn { values: v } => values.extend(v.iter().cloned()),
            Condition::Contains { values: v } => {
                *list = true;
                values.extend(v.iter().cloned());
            }
            Condition::Between { min, max } => {
                values.retain(|v| v.is_empty() || v.parse::<f64>().is_ok());
                for x in [min.floor() - 1.0, min.ceil(), max.floor(), max.floor() + 1.0] {
                    if x.is_finite() && x >= 0.0 {
                        values.push(format!("{x}"));
                    }
                }
            }
            Condition::Eq { value } => values.push(value.clone()),
        }
    }
    by_attribute
        .into_iter()
        .map(|(name, (list, mut values))| {
            values.sort();
            values.dedup();
            (name, list, values)
        })
        .collect()
}

/// One account's values: a pick of each attribute's candidates (two for a list).
fn account(choices: &[(String, bool, Vec<String>)], picks: &[(Index, Index)]) -> Vec<String> {
    choices
        .iter()
        .zip(picks)
        .map(|((_, list, values), (a, b))| {
            let first = a.get(values).clone();
            match list {
                true if !first.is_empty() => {
                    let second = b.get(values);
                    if second.is_empty() || *second == first {
                        first
                    } else {
                        format!("{first};{second}")
                    }
                }
                _ => first,
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_http_score_equals_the_command_line_score(
        accounts in prop::collection::vec(prop::collection::vec(any::<(Index, Index)>(), 24), 1..40)
    ) {
        let icp = Icp::from_json(&fs_err::read_to_string(served().out.join("icp.json")).unwrap()).unwrap();
        let choices = candidates(&icp);
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("leads.csv");
        let mut writer = csv::Writer::from_path(&list).unwrap();
        let mut header = vec!["account_id".to_owned()];
        header.extend(choices.iter().map(|(n, _, _)| n.clone()));
        writer.write_record(&header).unwrap();
        prop_assert!(choices.len() <= 24, "{} attributes", choices.len());
        let rows: Vec<Vec<String>> = accounts.iter().map(|picks| account(&choices, picks)).collect();
        for (i, row) in rows.iter().enumerate() {
            let mut record = vec![format!("L{i}")];
            record.extend(row.iter().cloned());
            writer.write_record(&record).unwrap();
        }
        writer.flush().unwrap();
        let out = dir.path().join("scored.csv");
        let report = northstar_pipeline::score_list(
            &northstar_pipeline::ScoreRequest {
                icp: served().out.join("icp.json"),
                input: list,
                config: None,
                out: Some(out.clone()),
                brief: false,
                options: northstar_pipeline::Options {
                    max_rejects: 100.0,
                    rejects: Some(dir.path().join("rejects.csv")),
                    ..Default::default()
                },
            },
            &northstar_pipeline::Silent,
        ).unwrap();
        let rejects: BTreeMap<String, (String, String)> = match report.rejected {
            0 => BTreeMap::new(),
            _ => csv_rows(&dir.path().join("rejects.csv"))
                .into_iter()
                .map(|r| (r["line"].clone(), (r["column"].clone(), r["reason"].clone())))
                .collect(),
        };
        let mut scored = csv_rows(&out).into_iter();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        for (i, row) in rows.iter().enumerate() {
            let mut object = Map::new();
            object.insert("account_id".into(), Value::String(format!("L{i}")));
            for ((name, _, _), value) in choices.iter().zip(row) {
                if let Ok(x) = value.parse::<f64>() {
                    object.insert(name.clone(), serde_json::json!(x));
                } else if !value.is_empty() {
                    object.insert(name.clone(), Value::String(value.clone()));
                }
            }
            let body = Value::Object(object).to_string();
            let http = runtime.block_on(async {
                json(send(state(), request("POST", "/v1/score", Some(&served().score), Some(&body))).await).await
            });
            if let Some((column, reason)) = rejects.get(&(i + 2).to_string()) {
                // A row the command line rejects, the service refuses, naming the same field.
                prop_assert_eq!(http["error"]["field"].as_str(), Some(column.as_str()), "{}", body);
                prop_assert_eq!(http["error"]["message"].as_str(), Some(reason.as_str()));
                continue;
            }
            let cli = &scored.next().expect("a scored row");
            prop_assert_eq!(http["in_sam"].to_string(), cli["in_sam"].clone(), "{}", body);
            prop_assert_eq!(http["fit_score"].to_string(), cli["fit_score"].clone(), "{}", body);
            prop_assert_eq!(http["tier"].as_u64().map(|t| t.to_string()).unwrap_or_default(), cli["tier"].clone());
            prop_assert_eq!(http["reasons"].as_str(), Some(cli["reasons"].as_str()), "{}", body);
            prop_assert_eq!(http["to_tier_1"].as_str(), Some(cli["to_tier_1"].as_str()));
            let nearest = http["nearest_customer"]["account_id"].as_str().unwrap_or_default();
            prop_assert_eq!(nearest, cli["nearest_customer"].as_str());
        }
    }
}
