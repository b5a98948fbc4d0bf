//! What the scoring endpoints answer: one account scored as `northstar score` scores it, with
//! intent from the signals a request gives, and the page a visitor sees.

use std::collections::BTreeMap;
use std::sync::Arc;

use northstar_profile::Reason;
use northstar_score::Event;
use northstar_score::intent::IntentReason;
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::loaded::{AccountRow, Loaded};

/// Keys of a score request that are not attributes.
const NOT_ATTRIBUTES: &[&str] = &["signals", "as_of"];

/// The UTM parameters personalisation reads.
pub const UTM: &[&str] = &[
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
];

/// The answer to a score request: a JSON object of attributes, with optional `signals`
/// (`[{"signal", "value", "date"}]`) and `as_of` (the day they decay to; the build's by default).
pub fn score(loaded: &Loaded, body: &Value) -> Result<ScoreAnswer, ApiError> {
    let Value::Object(object) = body else {
        return Err(ApiError::invalid(
            "body",
            "the body is one account: a JSON object of attribute names and values",
        ));
    };
    let as_of = match object.get("as_of") {
        None | Some(Value::Null) => loaded.as_of,
        Some(Value::String(day)) => {
            Some(northstar_pipeline::iso_day(day).map_err(|e| ApiError::invalid("as_of", e))?)
        }
        Some(_) => return Err(ApiError::invalid("as_of", "as_of is a date, YYYY-MM-DD")),
    };
    let events = object.get("signals").map(events).transpose()?;
    let attributes = object
        .iter()
        .filter(|(k, _)| !NOT_ATTRIBUTES.contains(&k.as_str()));
    let prospect = loaded
        .score(attributes)
        .map_err(|e| ApiError::invalid(&e.field, e.reason))?;
    let a = &prospect.scored.assessment;
    let intent = match (events, as_of) {
        (Some(_), None) => {
            return Err(ApiError::invalid(
                "as_of",
                "the build has no as-of date: give as_of for the signals to decay to",
            ));
        }
        (Some(events), Some(day)) => {
            let settings = &loaded.service.intent;
            let intent = settings.intent(&events, day);
            Some(IntentAnswer {
                explained: intent.explain(),
                timing: settings.timing(a.tier, intent.score),
                score: intent.score,
                after_as_of: intent.after_as_of,
                reasons: intent.reasons,
            })
        }
        (None, _) => None,
    };
    let reasons = a.explain(loaded.icp.base_score);
    let to_tier_1 = prospect.scored.to_tier_1.to_string();
    let nearest_customer = prospect.nearest.map(|(l, shared)| NearestAnswer {
        account_id: l.account_id.clone(),
        name: l.name.clone(),
        case_study_url: l.case_study_url.clone(),
        shared_points: shared,
    });
    let a = prospect.scored.assessment;
    Ok(ScoreAnswer {
        account_id: object.get("account_id").cloned(),
        icp_version: loaded.icp.version.clone(),
        in_sam: a.in_sam,
        fit_score: a.score,
        tier: a.tier,
        reasons,
        signals: a.reasons,
        outside: a.outside,
        unverified: a.unverified,
        warnings: a.warnings,
        to_tier_1,
        nearest_customer,
        intent,
    })
}

/// The answer to a score request, as `/openapi.json` documents it.
#[derive(Debug, Serialize)]
pub struct ScoreAnswer {
    /// The request's `account_id`, as it came.
    pub account_id: Option<Value>,
    /// The ICP version that scored it.
    pub icp_version: String,
    /// Inside the SAM.
    pub in_sam: bool,
    /// Fit score: the base plus the points of each signal met.
    pub fit_score: i64,
    /// Tier, inside the SAM.
    pub tier: Option<u8>,
    /// The base and each signal's points, as the build writes reasons.
    pub reasons: String,
    /// The signals met, with their points.
    pub signals: Vec<Reason>,
    /// The filters failed and excluded anti-ICP segments belonged to.
    pub outside: Vec<Arc<str>>,
    /// The filters passed only because a value is unknown.
    pub unverified: Vec<Arc<str>>,
    /// The anti-ICP segments belonged to that do not exclude.
    pub warnings: Vec<Arc<str>>,
    /// What would lift it to tier 1.
    pub to_tier_1: String,
    /// The most similar profitable customer.
    pub nearest_customer: Option<NearestAnswer>,
    /// Intent, when the request gives signals.
    pub intent: Option<IntentAnswer>,
}

/// The nearest profitable customer of a scored account.
#[derive(Debug, Serialize)]
pub struct NearestAnswer {
    /// Its record id.
    pub account_id: String,
    /// Its name.
    pub name: Option<String>,
    /// Its case study.
    pub case_study_url: Option<String>,
    /// The points of the signals both meet.
    pub shared_points: i64,
}

/// The intent of a scored account, from the signals of the request.
#[derive(Debug, Serialize)]
pub struct IntentAnswer {
    /// 0 to 100.
    pub score: i64,
    /// The contributions by signal.
    pub reasons: Vec<IntentReason>,
    /// The reasons in words.
    pub explained: String,
    /// Signals dated after the as-of day, left out.
    pub after_as_of: u64,
    /// Fit and intent together say: call now.
    pub timing: bool,
}

/// The signals of a request as events.
fn events(value: &Value) -> Result<Vec<Event>, ApiError> {
    let Value::Array(items) = value else {
        return Err(ApiError::invalid(
            "signals",
            "signals is a list of {\"signal\", \"value\", \"date\"}",
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let field = format!("signals[{i}]");
            let wrong = |m: &str| ApiError::invalid(&field, m.to_owned());
            let signal = item
                .get("signal")
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| wrong("each signal has a name: \"signal\": \"web_visits\""))?;
            let value = match item.get("value") {
                None | Some(Value::Null) => None,
                Some(v) => Some(v.as_f64().ok_or_else(|| wrong("a signal's value is a number"))?),
            };
            let day = match item.get("date") {
                None | Some(Value::Null) => None,
                Some(Value::String(d)) => {
                    Some(northstar_pipeline::iso_day(d).map_err(|e| ApiError::invalid(&field, e))?)
                }
                Some(_) => return Err(wrong("a signal's date is YYYY-MM-DD")),
            };
            Ok(Event {
                signal: signal.trim().to_owned(),
                value,
                day,
            })
        })
        .collect()
}

/// The answer to a personalisation request: UTM parameters, and a known `account_id` or
/// `domain`, or an `account` to score; an unknown visitor gets the default variant.
pub fn personalise(loaded: &Loaded, body: &Value) -> Result<Value, ApiError> {
    let Value::Object(object) = body else {
        return Err(ApiError::invalid(
            "body",
            "the body is a JSON object of UTM parameters and an account",
        ));
    };
    let text = |key: &str| -> Result<Option<String>, ApiError> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
            Some(_) => Err(ApiError::invalid(key, format!("{key} is text"))),
        }
    };
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    for key in UTM {
        if let Some(value) = text(key)? {
            fields.insert((*key).to_owned(), value);
        }
    }
    let (id, domain) = (text("account_id")?, text("domain")?);
    let known: Option<&AccountRow> = id
        .and_then(|id| loaded.account(&id))
        .or_else(|| domain.and_then(|d| loaded.account_by_domain(&d)));
    let mut matched = "unknown";
    if let Some(row) = known {
        matched = "known";
        fields.extend(row.fields());
    } else if let Some(account) = object.get("account") {
        let Value::Object(account) = account else {
            return Err(ApiError::invalid(
                "account",
                "account is a JSON object of attribute names and values",
            ));
        };
        let prospect = loaded
            .score(account.iter())
            .map_err(|e| ApiError::invalid(&format!("account.{}", e.field), e.reason))?;
        matched = "scored";
        let attributes = account
            .iter()
            .filter_map(|(key, value)| match value {
                Value::String(s) => Some((key.clone(), s.trim().to_owned())),
                Value::Number(n) => Some((key.clone(), n.to_string())),
                _ => None,
            })
            .filter(|(_, value)| !value.is_empty())
            .collect();
        fields.extend(AccountRow::scored(&prospect, attributes, loaded.icp.base_score).fields());
    }
    let chosen = loaded.service.personalise.choose(&fields);
    Ok(json!({
        "variant": chosen.variant,
        "headline": chosen.headline,
        "proof": chosen.proof,
        "visitor": matched,
        "account_id": fields.get("account_id"),
        "tier": fields.get("tier").and_then(|t| t.parse::<u8>().ok()),
        "case_study_url": fields.get("nearest_case_study_url"),
        "icp_version": loaded.icp.version,
    }))
}
