//! Applying an ICP to one account: inside the SAM or not and why, its fit score with the reasons
//! that add up to it, and its tier; and the tier thresholds drawn from the customers' scores.

use std::sync::Arc;

use rayon::prelude::*;

use northstar_discover::{Attribute, DealAccounts};

use crate::{Account, Icp, Rule, Tier, UnknownValues};

/// An ICP's rules in words, as its assessments write them: made once by [`Icp::descriptions`]
/// for all the accounts assessed.
#[derive(Debug, Clone, PartialEq)]
pub struct Descriptions {
    /// Each signal, shared by the reasons of the accounts that meet it.
    signals: Vec<Arc<str>>,
    /// Each filter's verdicts.
    filters: Vec<FilterWords>,
    /// Each anti-ICP segment, as an account outside the SAM for it and as a warning.
    anti: Vec<(Arc<str>, Arc<str>)>,
}

impl Descriptions {
    /// Signal `i` of the ICP in words, shared.
    pub fn signal(&self, i: usize) -> &Arc<str> {
        &self.signals[i]
    }
}

/// Rules in words, shared between the accounts assessed.
type Texts = Vec<Arc<str>>;

/// A filter's verdicts in words.
#[derive(Debug, Clone, PartialEq)]
struct FilterWords {
    /// Failed: `fails employees at least 50`.
    fails: Arc<str>,
    /// Excluded for an unknown value: `fails employees at least 50: employees unknown`.
    fails_unknown: Arc<str>,
    /// Kept in although unknown: `employees unknown`.
    unknown: Arc<str>,
}

/// One signal an account meets and the points it brings.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Reason {
    /// Points added (negative: taken away).
    pub points: i64,
    /// The signal in words, shared by every account that meets it.
    pub rule: Arc<str>,
}

impl std::fmt::Display for Reason {
    /// The reason as the outputs write it, e.g. `+18 industry in Logistics`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:+} {}", self.points, self.rule)
    }
}

/// What the ICP says of one account.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Assessment {
    /// Meets every filter and belongs to no excluded anti-ICP segment.
    pub in_sam: bool,
    /// The filters it fails and the excluded anti-ICP segments it belongs to, each in words
    /// shared by every account assessed alike.
    pub outside: Vec<Arc<str>>,
    /// Anti-ICP segments it belongs to that do not exclude it.
    pub warnings: Vec<Arc<str>>,
    /// Filters it is kept in the SAM by although its value is unknown ("employees unknown").
    pub unverified: Vec<Arc<str>>,
    /// Fit score, 0 to 100: the base score plus the points of `reasons`.
    pub score: i64,
    /// 1, 2 or 3 inside the SAM; none outside.
    pub tier: Option<u8>,
    /// The signals it meets.
    pub reasons: Vec<Reason>,
}

impl Assessment {
    /// The score's reasons in words, e.g. `base 40; +18 industry in Logistics; -6 country in FR`,
    /// then why the account is outside the SAM, if it is.
    pub fn explain(&self, base_score: i64) -> String {
        let mut parts = vec![format!("base {base_score}")];
        parts.extend(self.reasons.iter().map(Reason::to_string));
        parts.extend(self.outside.iter().map(|o| format!("outside the SAM: {o}")));
        parts.extend(self.unverified.iter().map(|u| format!("unverified: {u}")));
        parts.extend(self.warnings.iter().map(|w| format!("anti-ICP: {w}")));
        parts.join("; ")
    }
}

/// Rows whose verdicts one thread works out at a time in [`Icp::table_assessments`].
const WINDOW_ROWS: usize = 16_384;

/// Accounts whose verdicts one task packs, at the least, in [`Icp::table_assessments`].
const PACKED_PER_TASK: usize = 1_024;

/// The assessments of a table of accounts, each distinct one held once.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedAssessments {
    /// Each distinct assessment.
    pub distinct: Vec<Assessment>,
    /// Each account's, by its place in `distinct`.
    pub of_account: Vec<u32>,
}

impl SharedAssessments {
    /// Account `i`'s assessment.
    pub fn of(&self, i: usize) -> &Assessment {
        &self.distinct[self.of_account[i] as usize]
    }

    /// Each account's assessment, shared by the accounts assessed alike.
    pub fn into_shared(self) -> Vec<Arc<Assessment>> {
        let distinct: Vec<Arc<Assessment>> = self.distinct.into_iter().map(Arc::new).collect();
        self.of_account
            .iter()
            .map(|&at| distinct[at as usize].clone())
            .collect()
    }
}

/// Whether an account meets each rule of an ICP, in the ICP's order: the raw material of an
/// assessment, measured once per account by [`Icp::verdicts`] or for a whole batch by a
/// compiled scorer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Verdicts {
    /// Per filter: meets it, fails it, or `None` when the value it needs is unknown.
    pub filters: Vec<Option<bool>>,
    /// Per anti-ICP segment: whether the account belongs to it (known values meeting every
    /// condition).
    pub anti: Vec<bool>,
    /// Per signal: whether its known value meets it.
    pub signals: Vec<bool>,
}

/// The verdicts of a table of accounts, one column per rule: `None` where the value is unknown.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VerdictColumns {
    /// Per filter, each account's verdict.
    pub filters: Vec<Vec<Option<bool>>>,
    /// Per anti-ICP segment, whether each account belongs to it.
    pub anti: Vec<Vec<bool>>,
    /// Per signal, each account's verdict.
    pub signals: Vec<Vec<Option<bool>>>,
}

impl VerdictColumns {
    /// The columns of `icp` over `rows` accounts from each rule's verdicts, in the order of
    /// [`Icp::rules`]: an account belongs to an anti-ICP segment when its known values meet
    /// every condition.
    pub fn new(icp: &Icp, mut rules: Vec<Vec<Option<bool>>>, rows: usize) -> Self {
        let signals = rules.split_off(rules.len() - icp.signals.len());
        let conditions = rules.split_off(icp.filters.len());
        let mut conditions = conditions.into_iter();
        let anti = icp
            .anti_icp
            .iter()
            .map(|a| {
                let mut member = vec![true; rows];
                for verdicts in conditions.by_ref().take(a.conditions.len()) {
                    for (m, v) in member.iter_mut().zip(verdicts) {
                        *m &= v == Some(true);
                    }
                }
                member
            })
            .collect();
        Self {
            filters: rules,
            anti,
            signals,
        }
    }

    /// The verdicts of account `r`.
    pub fn row(&self, r: usize) -> Verdicts {
        Verdicts {
            filters: self.filters.iter().map(|f| f[r]).collect(),
            anti: self.anti.iter().map(|a| a[r]).collect(),
            signals: self.signals.iter().map(|s| s[r] == Some(true)).collect(),
        }
    }

    /// How many words [`VerdictColumns::pack`] packs an account's verdicts into.
    fn words(&self) -> usize {
        let bits = 2 * self.filters.len() + self.anti.len() + self.signals.len();
        bits.div_ceil(64).max(1)
    }

    /// The verdicts of account `r` packed into `words`: two bits per filter (unknown, fails or
    /// meets), then one per anti-ICP segment and one per signal met. Two accounts pack alike
    /// exactly when [`VerdictColumns::row`] gives them equal verdicts.
    fn pack(&self, r: usize, words: &mut [u64]) {
        words.fill(0);
        // The filters come first, two bits each from bit 0: none straddles two words.
        let filters = self
            .filters
            .iter()
            .map(|f| (f[r].map_or(0, |meets| 1 + u64::from(meets)), 2));
        let anti = self.anti.iter().map(|a| (u64::from(a[r]), 1));
        let signals = self.signals.iter().map(|s| (u64::from(s[r] == Some(true)), 1));
        let mut bit = 0;
        for (value, width) in filters.chain(anti).chain(signals) {
            words[bit / 64] |= value << (bit % 64);
            bit += width;
        }
    }
}

impl Icp {
    /// What the ICP says of `account`.
    pub fn assess(&self, account: &dyn Account) -> Assessment {
        self.assessment(&self.verdicts(account))
    }

    /// Whether `account` meets each rule.
    pub fn verdicts(&self, account: &dyn Account) -> Verdicts {
        Verdicts {
            filters: self.filters.iter().map(|f| f.rule.verdict(account)).collect(),
            anti: self.anti_icp.iter().map(|a| a.holds(account)).collect(),
            signals: self.signals.iter().map(|s| s.rule.holds(account)).collect(),
        }
    }

    /// Whether each account of an in-memory attribute table of `rows` accounts meets each rule:
    /// what [`Icp::verdicts`] gives each [`crate::Row`] of it, worked out rule by rule over the
    /// columns, with no value written as text.
    pub fn table_verdicts(&self, attributes: &[Attribute], rows: usize) -> Vec<Verdicts> {
        let columns = self.verdict_columns(attributes, rows);
        (0..rows).into_par_iter().map(|r| columns.row(r)).collect()
    }

    /// The verdicts of an in-memory attribute table of `rows` accounts, one column per rule.
    fn verdict_columns(&self, attributes: &[Attribute], rows: usize) -> VerdictColumns {
        let column = |rule: &Rule| match attributes.iter().find(|a| a.name == rule.attribute) {
            Some(attribute) => rule.condition.verdicts(&attribute.values),
            None => vec![None; rows],
        };
        let rules: Vec<&Rule> = self.rules().collect();
        VerdictColumns::new(self, rules.into_par_iter().map(column).collect(), rows)
    }

    /// [`Icp::described_assessment`] of each account of an in-memory attribute table of `rows`
    /// accounts, its verdicts as [`Icp::table_verdicts`] gives them: accounts whose rules come
    /// out alike share one assessment, and only a window of verdicts is held at a time.
    pub fn table_assessments(
        &self,
        attributes: &[Attribute],
        rows: usize,
        descriptions: &Descriptions,
    ) -> SharedAssessments {
        let columns = self.verdict_columns(attributes, rows);
        let words = columns.words();
        let mut seen: foldhash::HashMap<Box<[u64]>, u32> = foldhash::HashMap::default();
        let mut shared = SharedAssessments {
            distinct: Vec::new(),
            of_account: Vec::with_capacity(rows),
        };
        let window = WINDOW_ROWS * rayon::current_num_threads();
        for start in (0..rows).step_by(window) {
            // Each account's verdicts packed on every core; each distinct set is then assessed
            // once, in the accounts' order.
            let mut packed = vec![0; (rows.min(start + window) - start) * words];
            packed
                .par_chunks_mut(words)
                .enumerate()
                .with_min_len(PACKED_PER_TASK)
                .for_each(|(i, key)| columns.pack(start + i, key));
            for (i, key) in packed.chunks(words).enumerate() {
                let at = match seen.get(key) {
                    Some(&at) => at,
                    None => {
                        let at = shared.distinct.len() as u32;
                        let verdicts = columns.row(start + i);
                        shared
                            .distinct
                            .push(self.described_assessment(&verdicts, descriptions));
                        seen.insert(key.into(), at);
                        at
                    }
                };
                shared.of_account.push(at);
            }
        }
        shared
    }

    /// Whether each account of `accounts` is inside the SAM, as [`Icp::in_sam`] would say of it,
    /// with every rule judged once per distinct value of its column.
    pub fn accounts_in_sam(&self, accounts: &DealAccounts) -> Vec<bool> {
        let column =
            |rule: &Rule| accounts.judge(&rule.attribute, |v| v.map(|v| rule.condition.matches_text(v)));
        let rules: Vec<&Rule> = self.rules().collect();
        let columns = VerdictColumns::new(self, rules.into_par_iter().map(column).collect(), accounts.len());
        (0..accounts.len())
            .into_par_iter()
            .map(|r| self.inside(&columns.row(r)))
            .collect()
    }

    /// The assessment of an account whose rules came out as `verdicts`.
    pub fn assessment(&self, verdicts: &Verdicts) -> Assessment {
        self.described_assessment(verdicts, &self.descriptions())
    }

    /// The ICP's rules in words, made once and shared by the assessments of every account
    /// assessed with [`Icp::described_assessment`].
    pub fn descriptions(&self) -> Descriptions {
        let filters = self.filters.iter().map(|f| {
            let (rule, attribute) = (f.rule.describe(), &f.rule.attribute);
            FilterWords {
                fails: format!("fails {rule}").into(),
                fails_unknown: format!("fails {rule}: {attribute} unknown").into(),
                unknown: format!("{attribute} unknown").into(),
            }
        });
        let anti = self.anti_icp.iter().map(|a| {
            let segment = a.describe();
            (format!("in anti-ICP segment {segment}").into(), segment.into())
        });
        Descriptions {
            signals: self.signals.iter().map(|s| s.rule.describe().into()).collect(),
            filters: filters.collect(),
            anti: anti.collect(),
        }
    }

    /// [`Icp::assessment`], with the rules in words from [`Icp::descriptions`].
    pub fn described_assessment(&self, verdicts: &Verdicts, descriptions: &Descriptions) -> Assessment {
        let (outside, warnings, unverified) = self.market_verdict(verdicts, descriptions);
        let reasons: Vec<Reason> = self
            .signals
            .iter()
            .zip(&descriptions.signals)
            .zip(&verdicts.signals)
            .filter(|(_, met)| **met)
            .map(|((s, rule), _)| Reason {
                points: s.points,
                rule: rule.clone(),
            })
            .collect();
        let score = self.score_of(&verdicts.signals);
        let in_sam = outside.is_empty();
        Assessment {
            in_sam,
            outside,
            warnings,
            unverified,
            score,
            tier: in_sam.then(|| self.tier_of(score)),
            reasons,
        }
    }

    /// The fit score of an account meeting the signals flagged in `met`: the base plus their
    /// points.
    pub fn score_of(&self, met: &[bool]) -> i64 {
        let points: i64 = self
            .signals
            .iter()
            .zip(met)
            .filter(|(_, met)| **met)
            .map(|(s, _)| s.points)
            .sum();
        self.base_score + points
    }

    /// Whether an account whose rules came out as `verdicts` is inside the SAM: it meets every
    /// filter (or its value is unknown and unknown values are not excluded) and belongs to no
    /// excluded anti-ICP segment.
    pub fn inside(&self, verdicts: &Verdicts) -> bool {
        let passes = |v: &Option<bool>| match v {
            Some(meets) => *meets,
            None => self.market.unknown_values == UnknownValues::Unverified,
        };
        verdicts.filters.iter().all(passes)
            && !self
                .anti_icp
                .iter()
                .zip(&verdicts.anti)
                .any(|(a, member)| a.excluded_from_sam && *member)
    }

    /// Whether `account` is inside the SAM.
    pub fn in_sam(&self, account: &dyn Account) -> bool {
        self.inside(&self.verdicts(account))
    }

    /// The filters failed and the excluded anti-ICP segments belonged to; the other anti-ICP
    /// segments belonged to; the filters passed only because the value is unknown.
    fn market_verdict(&self, verdicts: &Verdicts, words: &Descriptions) -> (Texts, Texts, Texts) {
        let mut outside = Vec::new();
        let mut unverified = Vec::new();
        for (filter, verdict) in words.filters.iter().zip(&verdicts.filters) {
            match (verdict, self.market.unknown_values) {
                (Some(true), _) => {}
                (Some(false), _) => outside.push(filter.fails.clone()),
                (None, UnknownValues::Unverified) => unverified.push(filter.unknown.clone()),
                (None, UnknownValues::Exclude) => outside.push(filter.fails_unknown.clone()),
            }
        }
        let mut warnings = Vec::new();
        let segments = self.anti_icp.iter().zip(&words.anti);
        for ((anti, (excluded, segment)), member) in segments.zip(&verdicts.anti) {
            match (member, anti.excluded_from_sam) {
                (false, _) => {}
                (true, true) => outside.push(excluded.clone()),
                (true, false) => warnings.push(segment.clone()),
            }
        }
        (outside, warnings, unverified)
    }

    /// The tier a score reaches: the first whose minimum it meets (the last tier otherwise).
    pub fn tier_of(&self, score: i64) -> u8 {
        self.tiers
            .iter()
            .find(|t| score >= t.min_score)
            .or(self.tiers.last())
            .map_or(3, |t| t.tier)
    }
}

/// Share of the SAM's customers, by descending score, in tier 1 and in tiers 1 and 2.
const TIER_SHARES: [f64; 2] = [0.2, 0.5];

/// Tier thresholds from the scores of the SAM's customers: tier 1 starts at the score of the
/// customer at the top fifth, tier 2 at the top half, tier 3 at 0; each minimum is strictly
/// above the next. When every customer has the same score, all of them are in tier 3. `objective` and `top` (top fifth by the objective) give each tier's evidence.
pub fn tiers(scores: &[i64], objective: &[f64], top: &[bool]) -> Vec<Tier> {
    let mut sorted = scores.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let at = |share: f64| -> i64 {
        let index = ((share * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1)) - 1;
        sorted.get(index).copied().unwrap_or(0)
    };
    // Equal scores (no signal tells the customers apart) rank no one: all fall in tier 3.
    let spread = sorted.first() != sorted.last();
    let second = if spread {
        at(TIER_SHARES[1]).max(1)
    } else {
        at(0.0) + 1
    };
    let first = at(TIER_SHARES[0]).max(second + 1);
    let top_total = top.iter().filter(|t| **t).count().max(1) as f64;
    [(1, first), (2, second), (3, 0)]
        .iter()
        .enumerate()
        .map(|(k, &(tier, min_score))| {
            let above = if k == 0 { i64::MAX } else { [first, second][k - 1] };
            let members: Vec<usize> = (0..scores.len())
                .filter(|&i| scores[i] >= min_score && scores[i] < above)
                .collect();
            let n = members.len();
            Tier {
                tier,
                min_score,
                customers: n as u64,
                mean_objective: if n == 0 {
                    0.0
                } else {
                    members.iter().map(|&i| objective[i]).sum::<f64>() / n as f64
                },
                top_share: members.iter().filter(|&&i| top[i]).count() as f64 / top_total,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Filter, FilterEvidence, Market, Rule, SCHEMA, Scorecard, Signal, SignalEvidence};
    use northstar_discover::Condition;
    use std::collections::BTreeMap;

    /// An ICP with one filter, `employees at least 50`, and one signal, +20 for
    /// `employees at least 100`, from base 40.
    fn sized_icp(unknown_values: UnknownValues) -> Icp {
        let at_least = |min: f64| Rule {
            attribute: "employees".into(),
            condition: Condition::Between {
                min,
                max: f64::INFINITY,
            },
        };
        Icp {
            schema: SCHEMA.into(),
            version: String::new(),
            objective: "profit".into(),
            customers: 100,
            market: Market {
                customers: 80,
                all_customers: 100,
                top_coverage: 1.0,
                coverage_floor: 0.8,
                objective: 1.0,
                all_objective: 1.0,
                trade_off: String::new(),
                unknown_values,
            },
            filters: vec![Filter {
                rule: at_least(50.0),
                evidence: FilterEvidence {
                    removed_accounts: 20,
                    removed_objective: -1.0,
                    removed_top_accounts: 0,
                    p_value: 0.01,
                },
            }],
            base_score: 40,
            signals: vec![Signal {
                rule: at_least(100.0),
                points: 20,
                evidence: SignalEvidence {
                    support: 30,
                    top_accounts: 15,
                    lift: 2.5,
                    shrunk_lift: 2.0,
                    ci: [1.5, 3.0],
                    mean_objective: 1.0,
                    same_accounts_as: Vec::new(),
                },
            }],
            tiers: Vec::new(),
            anti_icp: Vec::new(),
            segments: Vec::new(),
            personas: Vec::new(),
            pmf: serde_json::Value::Null,
            ecosystem: serde_json::Value::Null,
            scorecard: Scorecard::default(),
            population: BTreeMap::new(),
            caveats: Vec::new(),
            reference: Vec::new(),
            labels: BTreeMap::new(),
        }
    }

    #[test]
    fn an_unknown_value_neither_passes_nor_fails_a_filter_and_earns_no_points() {
        let blank: BTreeMap<String, String> = BTreeMap::new();
        let icp = sized_icp(UnknownValues::Unverified);
        let a = icp.assess(&blank);
        assert!(a.in_sam && icp.in_sam(&blank));
        assert_eq!(a.unverified, [Arc::<str>::from("employees unknown")]);
        assert_eq!((a.score, a.reasons.len()), (40, 0));
        assert_eq!(
            a.explain(icp.base_score),
            "base 40; unverified: employees unknown"
        );
        let small: BTreeMap<String, String> = [("employees".to_owned(), "12".to_owned())].into();
        assert!(!icp.assess(&small).in_sam, "a known value still fails");
        let large: BTreeMap<String, String> = [("employees".to_owned(), "70000".to_owned())].into();
        assert_eq!(icp.assess(&large).score, 60);

        let strict = sized_icp(UnknownValues::Exclude);
        let a = strict.assess(&blank);
        assert!(!a.in_sam && !strict.in_sam(&blank));
        assert_eq!(
            a.outside,
            [Arc::<str>::from("fails employees at least 50: employees unknown")]
        );
        assert_ne!(
            strict.rules_digest(),
            icp.rules_digest(),
            "the policy is part of the rules"
        );
    }

    #[test]
    fn tier_thresholds_cut_the_scores_at_a_fifth_and_a_half() {
        // Ten scores 100, 90, .., 10: the top fifth ends at 90, the top half at 60.
        let scores: Vec<i64> = (1..=10).rev().map(|s| s * 10).collect();
        let objective: Vec<f64> = scores.iter().map(|&s| s as f64).collect();
        let top: Vec<bool> = scores.iter().map(|&s| s >= 90).collect();
        let found = tiers(&scores, &objective, &top);
        let mins: Vec<i64> = found.iter().map(|t| t.min_score).collect();
        assert_eq!(mins, [90, 60, 0]);
        assert_eq!(found.iter().map(|t| t.customers).collect::<Vec<_>>(), [2, 3, 5]);
        assert_eq!((found[0].mean_objective, found[0].top_share), (95.0, 1.0));
        // Equal scores rank no one: strictly falling minimums above them, everyone in tier 3.
        let flat = tiers(&[50, 50, 50], &[1.0, 1.0, 1.0], &[true, false, false]);
        assert_eq!(flat.iter().map(|t| t.min_score).collect::<Vec<_>>(), [52, 51, 0]);
        assert_eq!(flat.iter().map(|t| t.customers).collect::<Vec<_>>(), [0, 0, 3]);
    }

    #[test]
    fn accounts_pack_alike_exactly_when_their_verdicts_are_equal() {
        use rand::{Rng, SeedableRng};
        // 40 filters, 10 anti-ICP segments and 20 signals: 110 bits, over two words. Each
        // account copies one of six others and changes one verdict half the time, a signal's
        // unknown value to a known one that fails it among them (equal verdicts, both unmet).
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let verdict = |rng: &mut rand_chacha::ChaCha8Rng| match rng.random_range(0..3) {
            0 => None,
            k => Some(k == 2),
        };
        let (rows, kinds) = (300, 6);
        let mut columns = VerdictColumns {
            filters: vec![Vec::new(); 40],
            anti: vec![Vec::new(); 10],
            signals: vec![Vec::new(); 20],
        };
        for r in 0..rows {
            let copied = (r >= kinds).then(|| rng.random_range(0..kinds));
            let changed = rng.random_bool(0.5).then(|| rng.random_range(0..70));
            for (i, filter) in columns.filters.iter_mut().enumerate() {
                let value = match copied {
                    Some(c) if changed != Some(i) => filter[c],
                    _ => verdict(&mut rng),
                };
                filter.push(value);
            }
            for (i, anti) in columns.anti.iter_mut().enumerate() {
                let value = match copied {
                    Some(c) if changed != Some(40 + i) => anti[c],
                    _ => rng.random_bool(0.5),
                };
                anti.push(value);
            }
            for (i, signal) in columns.signals.iter_mut().enumerate() {
                let value = match copied {
                    Some(c) if changed != Some(50 + i) => signal[c],
                    _ => verdict(&mut rng),
                };
                signal.push(value);
            }
        }
        assert_eq!(columns.words(), 2);
        let packed: Vec<[u64; 2]> = (0..rows)
            .map(|r| {
                let mut key = [0; 2];
                columns.pack(r, &mut key);
                key
            })
            .collect();
        let mut alike = 0;
        for a in 0..rows {
            for b in 0..a {
                let equal = columns.row(a) == columns.row(b);
                assert_eq!(packed[a] == packed[b], equal, "accounts {a} and {b}");
                alike += usize::from(equal);
            }
        }
        assert!(alike > rows, "the accounts should often be alike: {alike}");
    }

    #[test]
    fn a_table_s_assessments_are_each_row_s_and_shared_by_rows_alike() {
        // Employees 10 (outside), 70 (inside, no points), 500 (inside, +20), unknown, 70, 500.
        let icp = sized_icp(UnknownValues::Unverified);
        let employees = [Some(10.0), Some(70.0), Some(500.0), None, Some(70.0), Some(500.0)];
        let attributes = [Attribute {
            name: "employees".into(),
            values: northstar_discover::Values::Numeric(employees.to_vec()),
        }];
        let shared = icp.table_assessments(&attributes, employees.len(), &icp.descriptions());
        for (i, value) in employees.iter().enumerate() {
            let row: BTreeMap<String, String> = value
                .map(|v| ("employees".to_owned(), v.to_string()))
                .into_iter()
                .collect();
            assert_eq!(shared.of(i), &icp.assess(&row), "row {i}");
        }
        assert_eq!(shared.distinct.len(), 4, "rows alike share one");
        assert_eq!(shared.of_account, [0, 1, 2, 3, 1, 2]);
        let each = shared.into_shared();
        assert!(Arc::ptr_eq(&each[1], &each[4]) && !Arc::ptr_eq(&each[1], &each[2]));
    }
}
