//! What would lift an account to tier 1: the signals it lacks, fewest first, at most one per
//! attribute (the bins and categories of one attribute exclude each other, so moving to a better
//! one trades the points of the one met), with unknown attributes first ("find out
//! fleet_size"); or the filter it fails; or that tier 1 is out of reach.

use std::fmt;
use std::sync::Arc;

use northstar_discover::Condition;
use northstar_profile::{Assessment, Descriptions, Icp};

/// One signal to gain.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The signal in words, shared by every account it is a step of.
    pub signal: Arc<str>,
    /// The attribute it is on.
    pub attribute: String,
    /// The points the account would gain (net of any signal of the same attribute it loses).
    pub gain: i64,
    /// Whether the account's value of the attribute is unknown (to be found out first).
    pub unknown: bool,
}

/// The way to tier 1 of one account.
#[derive(Debug, Clone, PartialEq)]
pub enum ToTier1 {
    /// The account is in tier 1.
    InTier1,
    /// The account is outside the SAM, for these reasons.
    Outside(Vec<Arc<str>>),
    /// The signals to gain, unknown attributes first.
    Gain(Vec<Step>),
    /// Every signal it lacks would not be enough: its score could reach at most this.
    OutOfReach {
        /// The highest score the account could reach.
        at_most: i64,
    },
}

impl fmt::Display for ToTier1 {
    /// As `prospects_scored.csv` writes it, e.g.
    /// `find out fleet_size (+12 fleet_size at least 10); +20 industry in Logistics`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToTier1::InTier1 => Ok(()),
            ToTier1::Outside(why) => write!(f, "{}", why.join("; ")),
            ToTier1::OutOfReach { at_most } => write!(f, "cannot reach tier 1 (at most {at_most} points)"),
            ToTier1::Gain(steps) => {
                let parts: Vec<String> = steps
                    .iter()
                    .map(|s| match s.unknown {
                        true => format!("find out {} ({:+} {})", s.attribute, s.gain, s.signal),
                        false => format!("{:+} {}", s.gain, s.signal),
                    })
                    .collect();
                write!(f, "{}", parts.join("; "))
            }
        }
    }
}

/// The way to tier 1 of an account assessed as `assessment`, which meets the signals flagged in
/// `met` and whose value is unknown for the signals flagged in `unknown`; the signals in words
/// are `words`'.
pub fn to_tier_1(
    icp: &Icp,
    words: &Descriptions,
    assessment: &Assessment,
    met: &[bool],
    unknown: &[bool],
) -> ToTier1 {
    if !assessment.in_sam {
        return ToTier1::Outside(assessment.outside.clone());
    }
    let bar = icp
        .tiers
        .iter()
        .find(|t| t.tier == 1)
        .map_or(i64::MAX, |t| t.min_score);
    if assessment.score >= bar {
        return ToTier1::InTier1;
    }
    // The best signal to gain on each attribute: its position and gain, described once chosen.
    let mut best: Vec<(usize, i64)> = Vec::new();
    for (i, signal) in icp.signals.iter().enumerate() {
        if met[i] || signal.points <= 0 {
            continue;
        }
        let attribute = &signal.rule.attribute;
        let exclusive = !matches!(signal.rule.condition, Condition::Contains { .. });
        let held: i64 = icp
            .signals
            .iter()
            .zip(met)
            .filter(|(s, m)| exclusive && **m && &s.rule.attribute == attribute)
            .map(|(s, _)| s.points)
            .sum();
        let gain = signal.points - held;
        if gain <= 0 {
            continue;
        }
        let same = |j: &usize| &icp.signals[*j].rule.attribute == attribute;
        match best.iter_mut().find(|(j, _)| same(j)) {
            Some((_, kept)) if *kept >= gain => {}
            Some(kept) => *kept = (i, gain),
            None => best.push((i, gain)),
        }
    }
    best.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let need = bar.saturating_sub(assessment.score);
    let mut total = 0;
    let mut steps = Vec::new();
    for (i, gain) in best {
        if total >= need {
            break;
        }
        total += gain;
        let rule = &icp.signals[i].rule;
        steps.push(Step {
            signal: words.signal(i).clone(),
            attribute: rule.attribute.clone(),
            gain,
            unknown: unknown[i],
        });
    }
    if total < need {
        return ToTier1::OutOfReach {
            at_most: assessment.score + total,
        };
    }
    steps.sort_by_key(|s| !s.unknown);
    ToTier1::Gain(steps)
}
