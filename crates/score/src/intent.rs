//! Intent: how much an account is in the market now, from its behavioural signals (web visits,
//! event attendance, competitor evaluation, churn from a competitor), kept apart from fit.
//!
//! Each signal contributes `weight × value × 0.5^(age / half_life_days)`, where `value` is the
//! signal's value (1 when blank) and `age` the days from its date to the as-of date (a signal
//! without a date counts at full weight). The intent score is the sum of the contributions,
//! rounded and held between 0 and 100; its reasons are the contributions by signal, which add
//! up to the sum before it is held. Decay runs from the build's as-of date, never the clock.
//! There are no outcome labels to learn weights from, so the weights are settings, with
//! documented defaults.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How intent is measured: the `[intent]` section of `northstar.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IntentSettings {
    /// Points per unit of each signal, by signal name; those given replace the defaults of
    /// the same name, the other defaults stay.
    #[serde(deserialize_with = "over_defaults")]
    pub weights: BTreeMap<String, f64>,
    /// Points per unit of a signal the weights do not name.
    pub default_weight: f64,
    /// Days after which a signal counts half.
    #[serde(deserialize_with = "positive")]
    pub half_life_days: f64,
    /// Intent at or above which an account in tier 1 or 2 is worth a call now.
    #[serde(deserialize_with = "score")]
    pub timing_threshold: i64,
}

/// The default points per unit of each signal.
const DEFAULT_WEIGHTS: &[(&str, f64)] = &[
    ("web_visits", 5.0),
    ("pricing_page", 15.0),
    ("event_attendance", 20.0),
    ("demo_request", 40.0),
    ("competitor_evaluation", 25.0),
    ("competitor_churn", 30.0),
];

fn default_weights() -> BTreeMap<String, f64> {
    DEFAULT_WEIGHTS
        .iter()
        .map(|(k, v)| ((*k).to_owned(), *v))
        .collect()
}

impl Default for IntentSettings {
    fn default() -> Self {
        Self {
            weights: default_weights(),
            default_weight: 5.0,
            half_life_days: 30.0,
            timing_threshold: 50,
        }
    }
}

fn over_defaults<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, f64>, D::Error> {
    let mut weights = default_weights();
    weights.extend(BTreeMap::<String, f64>::deserialize(d)?);
    Ok(weights)
}

fn positive<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let x = f64::deserialize(d)?;
    match x.is_finite() && x > 0.0 {
        true => Ok(x),
        false => Err(serde::de::Error::custom(format!(
            "must be a number of days above 0, not {x}"
        ))),
    }
}

fn score<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let x = i64::deserialize(d)?;
    match (0..=100).contains(&x) {
        true => Ok(x),
        false => Err(serde::de::Error::custom(format!(
            "must be a score from 0 to 100, not {x}"
        ))),
    }
}

/// One behavioural signal of an account.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Its name, e.g. `web_visits`.
    pub signal: String,
    /// Its value (a count, say), when given.
    pub value: Option<f64>,
    /// Its day (days since 1970-01-01), when given.
    pub day: Option<i32>,
}

/// What one signal name contributed to an account's intent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntentReason {
    /// The signal's name.
    pub signal: String,
    /// Its events counted.
    pub events: u64,
    /// Points after decay.
    pub points: f64,
}

/// An account's intent.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Intent {
    /// 0 to 100.
    pub score: i64,
    /// The contributions by signal, largest first; they add up to the score before it is
    /// rounded and held between 0 and 100.
    pub reasons: Vec<IntentReason>,
    /// Events dated after the as-of date, not counted.
    pub after_as_of: u64,
}

impl Intent {
    /// The reasons in words, e.g. `+21.4 web_visits (6 events); +12.0 pricing_page (1 event)`.
    pub fn explain(&self) -> String {
        let parts: Vec<String> = self
            .reasons
            .iter()
            .map(|r| {
                let noun = if r.events == 1 { "event" } else { "events" };
                format!("{:+.1} {} ({} {noun})", r.points, r.signal, r.events)
            })
            .collect();
        parts.join("; ")
    }
}

impl IntentSettings {
    /// The weight of the signal `name`.
    pub fn weight(&self, name: &str) -> f64 {
        self.weights.get(name).copied().unwrap_or(self.default_weight)
    }

    /// The intent of an account whose signals are `events`, at day `as_of`.
    pub fn intent(&self, events: &[Event], as_of: i32) -> Intent {
        let mut by_signal: BTreeMap<&str, IntentReason> = BTreeMap::new();
        let mut after_as_of = 0;
        for e in events {
            let age = e.day.map_or(0, |d| as_of - d);
            if age < 0 {
                after_as_of += 1;
                continue;
            }
            let decay = 0.5f64.powf(f64::from(age) / self.half_life_days);
            let points = self.weight(&e.signal) * e.value.unwrap_or(1.0) * decay;
            let reason = by_signal.entry(&e.signal).or_insert_with(|| IntentReason {
                signal: e.signal.clone(),
                events: 0,
                points: 0.0,
            });
            reason.events += 1;
            reason.points += points;
        }
        let mut reasons: Vec<IntentReason> = by_signal.into_values().collect();
        reasons.sort_by(|a, b| b.points.total_cmp(&a.points).then(a.signal.cmp(&b.signal)));
        let total: f64 = reasons.iter().map(|r| r.points).sum();
        Intent {
            score: total.round().clamp(0.0, 100.0) as i64,
            reasons,
            after_as_of,
        }
    }

    /// Whether an account of `tier` with intent `score` is worth a call now: in tier 1 or 2
    /// with intent at or above the threshold.
    pub fn timing(&self, tier: Option<u8>, score: i64) -> bool {
        matches!(tier, Some(1 | 2)) && score >= self.timing_threshold
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(signal: &str, value: Option<f64>, day: Option<i32>) -> Event {
        Event {
            signal: signal.into(),
            value,
            day,
        }
    }

    #[test]
    fn intent_decays_by_half_lives_from_the_as_of_date_by_hand() {
        let settings = IntentSettings::default();
        // As of day 100: 4 visits today (4 × 5 = 20), 2 visits 30 days ago (2 × 5 / 2 = 5), a
        // pricing page 60 days ago (15 / 4 = 3.75), an undated competitor evaluation (25), and a
        // visit after the as-of date, not counted. 53.75 in all.
        let events = [
            event("web_visits", Some(4.0), Some(100)),
            event("web_visits", Some(2.0), Some(70)),
            event("pricing_page", None, Some(40)),
            event("competitor_evaluation", Some(1.0), None),
            event("web_visits", Some(9.0), Some(101)),
        ];
        let intent = settings.intent(&events, 100);
        assert_eq!(intent.score, 54);
        assert_eq!(intent.after_as_of, 1);
        let points: Vec<(&str, f64, u64)> = intent
            .reasons
            .iter()
            .map(|r| (r.signal.as_str(), r.points, r.events))
            .collect();
        assert_eq!(
            points,
            [
                ("competitor_evaluation", 25.0, 1),
                ("web_visits", 25.0, 2),
                ("pricing_page", 3.75, 1)
            ]
        );
        assert_eq!(
            intent.explain(),
            "+25.0 competitor_evaluation (1 event); +25.0 web_visits (2 events); +3.8 pricing_page (1 event)"
        );
        assert!(settings.timing(Some(2), intent.score));
        assert!(
            !settings.timing(Some(3), intent.score),
            "tier 3 is not called on intent alone"
        );
        assert!(!settings.timing(None, 100));
    }

    #[test]
    fn intent_is_held_between_0_and_100_and_unknown_signals_take_the_default_weight() {
        let settings = IntentSettings::default();
        let flood = [event("demo_request", Some(10.0), Some(5))];
        assert_eq!(settings.intent(&flood, 5).score, 100);
        let unknown = [event("webinar", Some(3.0), Some(5))];
        assert_eq!(settings.intent(&unknown, 5).score, 15);
        assert_eq!(settings.intent(&[], 5), Intent::default());
    }

    #[test]
    fn settings_refuse_a_half_life_of_zero_and_a_threshold_past_100() {
        let parse = |text: &str| toml::from_str::<IntentSettings>(text).map_err(|e| e.to_string());
        assert!(parse("half_life_days = 0").unwrap_err().contains("above 0"));
        assert!(
            parse("timing_threshold = 120")
                .unwrap_err()
                .contains("from 0 to 100")
        );
        let custom = parse("half_life_days = 7\n[weights]\nweb_visits = 2").expect("parses");
        assert_eq!((custom.half_life_days, custom.weight("web_visits")), (7.0, 2.0));
        assert_eq!(custom.weight("pricing_page"), 15.0, "the other defaults stay");
    }
}
