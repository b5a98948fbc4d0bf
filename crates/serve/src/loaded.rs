//! A finished build as the service holds it: the ICP compiled, its service settings, and the
//! scored accounts (customers from accounts.csv, prospects from prospects_scored.csv), read
//! through the pipeline library from a folder checked against its manifest.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

use northstar_discover::Condition;
use northstar_ingest::values::{NumberFormat, format_days};
use northstar_ingest::{Value as Typed, parse_value};
use northstar_pipeline::Service;
use northstar_pipeline::outputs::targets::PROSPECT_COLUMNS;
use northstar_pipeline::targets::{Prospect, ProspectScorer};
use northstar_profile::{Icp, Rule, words};
use serde_json::{Value, json};

/// One scored account of the build.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountRow {
    /// Its record id.
    pub account_id: String,
    /// `customer` or `prospect`.
    pub kind: &'static str,
    /// Its best segment's rank, for customers in one.
    pub segment: Option<u64>,
    /// Inside the SAM.
    pub in_sam: bool,
    /// Fit score.
    pub fit_score: i64,
    /// Tier, inside the SAM.
    pub tier: Option<u8>,
    /// The reasons, as the build wrote them.
    pub reasons: String,
    /// The way to tier 1 (prospects).
    pub to_tier_1: Option<String>,
    /// The nearest profitable customer's id, name and case study (prospects).
    pub nearest: [Option<String>; 3],
    /// Its attributes by name, blanks left out (prospects).
    pub attributes: BTreeMap<String, String>,
}

impl AccountRow {
    /// The account as the API writes it.
    pub fn to_json(&self) -> Value {
        let [id, name, url] = &self.nearest;
        json!({
            "account_id": self.account_id,
            "kind": self.kind,
            "segment": self.segment,
            "in_sam": self.in_sam,
            "fit_score": self.fit_score,
            "tier": self.tier,
            "reasons": self.reasons,
            "to_tier_1": self.to_tier_1,
            "nearest_customer": id.as_ref().map(|id| json!({
                "account_id": id, "name": name, "case_study_url": url,
            })),
            "attributes": self.attributes,
        })
    }

    /// An account scored on request, with its attributes, as the build would list it.
    pub fn scored(prospect: &Prospect, attributes: BTreeMap<String, String>, base_score: i64) -> Self {
        let a = &prospect.scored.assessment;
        let nearest = prospect.nearest.as_ref().map(|(l, _)| l);
        Self {
            account_id: prospect.account_id.clone(),
            kind: "prospect",
            segment: None,
            in_sam: a.in_sam,
            fit_score: a.score,
            tier: a.tier,
            reasons: a.explain(base_score),
            to_tier_1: Some(prospect.scored.to_tier_1.to_string()).filter(|t| !t.is_empty()),
            nearest: [
                nearest.map(|l| l.account_id.clone()),
                nearest.and_then(|l| l.name.clone()),
                nearest.and_then(|l| l.case_study_url.clone()),
            ],
            attributes,
        }
    }

    /// The fields personalisation rules and templates read: attributes, score and the
    /// nearest customer's.
    pub fn fields(&self) -> BTreeMap<String, String> {
        let mut fields = self.attributes.clone();
        if !self.account_id.is_empty() {
            fields.insert("account_id".into(), self.account_id.clone());
        }
        fields.insert("in_sam".into(), self.in_sam.to_string());
        fields.insert("fit_score".into(), self.fit_score.to_string());
        if let Some(tier) = self.tier {
            fields.insert("tier".into(), tier.to_string());
        }
        let [id, name, url] = &self.nearest;
        let nearest = [
            ("nearest_customer_id", id),
            ("nearest_customer_name", name),
            ("nearest_case_study_url", url),
        ];
        for (key, value) in nearest {
            if let Some(value) = value {
                fields.insert(key.into(), value.clone());
            }
        }
        fields
    }
}

/// The build being served.
pub struct Loaded {
    /// The ICP.
    pub icp: Icp,
    /// The settings served beside it.
    pub service: Service,
    /// The build's as-of date, as days since 1970-01-01.
    pub as_of: Option<i32>,
    /// Every scored account, best first (tier, then score, then id).
    pub accounts: Vec<AccountRow>,
    /// Each account's position in `accounts`.
    pub by_id: HashMap<String, usize>,
    /// Each account's position by its domain, where it has one.
    pub by_domain: HashMap<String, usize>,
    scorer: Mutex<ProspectScorer>,
    /// Attributes the ICP compares as numbers.
    numeric: Vec<String>,
    /// Each rule of the ICP as the reasons write it, and in words for people; longest first.
    wording: Vec<(String, String)>,
}

/// A client's account that cannot be scored: the field and what is wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// The field.
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

impl FieldError {
    /// The error of `field`.
    pub fn new(field: &str, reason: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }
}

impl Loaded {
    /// Reads the build folder `dir`, checked against its manifest.
    pub fn open(dir: &Path) -> Result<Arc<Self>, String> {
        let opened = northstar_pipeline::open(dir).map_err(|e| e.to_string())?;
        let mut accounts = read_rows(&dir.join("accounts.csv"), "customer")?;
        accounts.extend(read_rows(&dir.join("prospects_scored.csv"), "prospect")?);
        accounts.sort_by(|a, b| {
            let key = |r: &AccountRow| (r.tier.is_none(), r.tier, -r.fit_score, r.account_id.clone());
            key(a).cmp(&key(b))
        });
        let mut by_id = HashMap::with_capacity(accounts.len());
        let mut by_domain = HashMap::new();
        for (i, a) in accounts.iter().enumerate() {
            by_id.entry(a.account_id.clone()).or_insert(i);
            if let Some(domain) = a.attributes.get("domain") {
                by_domain.entry(domain.to_ascii_lowercase()).or_insert(i);
            }
        }
        let as_of = match &opened.service.as_of {
            Some(day) => {
                Some(northstar_pipeline::iso_day(day).map_err(|e| format!("service.json: as_of: {e}"))?)
            }
            None => None,
        };
        let icp = opened.icp;
        let scorer = ProspectScorer::new(icp.clone(), opened.service.intent.clone(), None, 0);
        Ok(Arc::new(Self {
            numeric: numeric_attributes(&icp),
            wording: wording(&icp),
            icp,
            service: opened.service,
            as_of,
            accounts,
            by_id,
            by_domain,
            scorer: Mutex::new(scorer),
        }))
    }

    /// One part of an account's reasons (`+11 annual_revenue at least 354450000`) with its
    /// rule in words for people (`+11 Annual revenue 354,450,000 or more`).
    pub fn for_people(&self, part: &str) -> String {
        for (machine, words) in &self.wording {
            if let Some(prefix) = part.strip_suffix(machine.as_str()) {
                return format!("{prefix}{words}");
            }
        }
        part.to_owned()
    }

    /// The known account of `id`.
    pub fn account(&self, id: &str) -> Option<&AccountRow> {
        self.by_id.get(id).map(|&i| &self.accounts[i])
    }

    /// The known account of `domain`, compared without case.
    pub fn account_by_domain(&self, domain: &str) -> Option<&AccountRow> {
        self.by_domain
            .get(&domain.trim().to_ascii_lowercase())
            .map(|&i| &self.accounts[i])
    }

    /// Scores one account of a JSON object's fields, as `northstar score` scores a row of a list.
    pub fn score<'a>(
        &self,
        fields: impl Iterator<Item = (&'a String, &'a Value)>,
    ) -> Result<Prospect, FieldError> {
        let account = self.attributes(fields)?;
        let id = account.get("account_id").cloned().unwrap_or_default();
        let mut scorer = self
            .scorer
            .lock()
            .map_err(|_| FieldError::new("", "the scorer is unavailable"))?;
        Ok(scorer.score_account(id, &account, "request"))
    }

    /// The account of a JSON object, each value read as `northstar score` reads a list's and
    /// written as the scorer reads an Arrow column's: a column of the data contract checked and
    /// typed as ingest does (a word of a fixed set in its case, a number within its range), any
    /// other number as a number and text as text; lists as arrays or `;`-separated text; null or
    /// blank as unknown, so left out. A value the ICP compares as a number must be one.
    pub fn attributes<'a>(
        &self,
        fields: impl Iterator<Item = (&'a String, &'a Value)>,
    ) -> Result<BTreeMap<String, String>, FieldError> {
        let contract = northstar_ingest::contract::table("prospects");
        let mut account = BTreeMap::new();
        for (field, value) in fields {
            let wrong = |reason: String| FieldError::new(field, reason);
            let text = match value {
                Value::Null => None,
                Value::Number(n) => Some(n.to_string()),
                Value::String(s) => Some(s.trim().to_owned()),
                Value::Bool(b) => Some(b.to_string()),
                Value::Array(items) => {
                    Some(list(items).ok_or_else(|| wrong("a list holds only text or numbers".into()))?)
                }
                Value::Object(_) => return Err(wrong("an object is not an attribute value".into())),
            };
            let Some(text) = text.filter(|t| !t.is_empty()) else {
                continue;
            };
            let spec = contract.and_then(|c| c.column(field));
            let read = match spec {
                Some(spec) => match parse_value(spec, &text, NumberFormat::default(), None).map_err(wrong)? {
                    Typed::Int(i) => Some((i as f64).to_string()),
                    Typed::Num(x) => Some(x.to_string()),
                    Typed::Date(day) => Some(format_days(day)),
                    Typed::Text(t) => Some(t),
                    Typed::Null => None,
                },
                None if matches!(value, Value::Number(_)) => {
                    Some(text.parse::<f64>().map_err(|e| wrong(e.to_string()))?.to_string())
                }
                None if self.numeric.contains(field) && text.parse::<f64>().is_err() => {
                    return Err(wrong(format!("`{text}` is not a number")));
                }
                None => Some(text),
            };
            if let Some(read) = read {
                account.insert(field.clone(), read);
            }
        }
        Ok(account)
    }
}

/// A JSON list's elements `;`-joined; none when one is neither text nor a number.
fn list(items: &[Value]) -> Option<String> {
    let parts: Option<Vec<String>> = items
        .iter()
        .map(|i| match i {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect();
    parts.map(|p| p.join(";"))
}

/// Each rule and anti-ICP segment of `icp` as the reasons write it, and in words; longest first,
/// so that a segment is matched before one of its conditions.
fn wording(icp: &Icp) -> Vec<(String, String)> {
    let labels = &icp.labels;
    let rules = icp
        .filters
        .iter()
        .map(|f| &f.rule)
        .chain(icp.signals.iter().map(|s| &s.rule));
    let mut pairs: Vec<(String, String)> = rules
        .map(|r| (r.describe(), words::rule_words(r, labels)))
        .collect();
    pairs.extend(icp.anti_icp.iter().map(|a| {
        let machine: Vec<String> = a.conditions.iter().map(Rule::describe).collect();
        (machine.join(" and "), words::rules_words(&a.conditions, labels))
    }));
    pairs.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
    pairs.dedup();
    pairs
}

/// The attributes an ICP's ranges compare as numbers.
fn numeric_attributes(icp: &Icp) -> Vec<String> {
    let mut names: Vec<String> = icp
        .rules()
        .filter(|r| matches!(r.condition, Condition::Between { .. }))
        .map(|r| r.attribute.clone())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The scored rows of a build's CSV file, as `kind`: prospects carry the way to tier 1, the
/// nearest customer and their attributes (the columns after the score columns).
fn read_rows(path: &Path, kind: &'static str) -> Result<Vec<AccountRow>, String> {
    let problem = |e: &dyn std::fmt::Display| format!("`{}`: {e}", path.display());
    let mut reader = csv::Reader::from_path(path).map_err(|e| problem(&e))?;
    let header = reader.headers().map_err(|e| problem(&e))?.clone();
    let at = |name: &str| header.iter().position(|h| h == name);
    let need = |name: &str| at(name).ok_or_else(|| problem(&format!("no {name} column")));
    let (id, in_sam, score, tier, reasons) = (
        need("account_id")?,
        need("in_sam")?,
        need("fit_score")?,
        need("tier")?,
        need("reasons")?,
    );
    let (segment, reach) = (at("segment"), at("to_tier_1"));
    let nearest = [
        at("nearest_customer"),
        at("nearest_customer_name"),
        at("nearest_case_study_url"),
    ];
    let prospect = kind == "prospect";
    let first_attribute = if prospect {
        PROSPECT_COLUMNS.len()
    } else {
        header.len()
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        let r = record.map_err(|e| problem(&e))?;
        let cell = |i: usize| r.get(i).unwrap_or_default();
        let filled = |i: Option<usize>| i.map(cell).filter(|c| !c.is_empty()).map(str::to_owned);
        let attributes = (first_attribute..header.len())
            .filter(|&i| !cell(i).is_empty())
            .map(|i| (header[i].to_owned(), cell(i).to_owned()))
            .collect();
        rows.push(AccountRow {
            account_id: cell(id).to_owned(),
            kind,
            segment: segment.and_then(|s| cell(s).parse().ok()),
            in_sam: cell(in_sam) == "true",
            fit_score: cell(score).parse().map_err(|e| problem(&e))?,
            tier: cell(tier).parse().ok(),
            reasons: cell(reasons).to_owned(),
            to_tier_1: filled(reach),
            nearest: nearest.map(filled),
            attributes,
        });
    }
    Ok(rows)
}
