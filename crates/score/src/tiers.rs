//! The tier of a fit score, found by counting the minimums above it rather than by searching.

use northstar_profile::Tier;

/// An ICP's tiers as cut points, giving every score the tier
/// [`Icp::tier_of`](northstar_profile::Icp::tier_of) gives it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TierCuts {
    /// The tiers a score can reach, in the ICP's order, with strictly decreasing minimums: a
    /// tier whose minimum is not below every earlier one's is never the first a score meets.
    reachable: Vec<(i64, u8)>,
    /// The tier of a score below every minimum: the last tier listed (3 without tiers).
    below: u8,
}

impl TierCuts {
    /// The cut points of an ICP's `tiers`.
    pub(crate) fn new(tiers: &[Tier]) -> Self {
        let mut reachable: Vec<(i64, u8)> = Vec::new();
        for tier in tiers {
            if reachable.last().is_none_or(|(min, _)| tier.min_score < *min) {
                reachable.push((tier.min_score, tier.tier));
            }
        }
        let below = tiers.last().map_or(3, |t| t.tier);
        Self { reachable, below }
    }

    /// The tier `score` reaches: the first whose minimum it meets, after those whose minimums
    /// are above it.
    pub(crate) fn tier(&self, score: i64) -> u8 {
        let above = self.reachable.iter().filter(|(min, _)| *min > score).count();
        self.reachable.get(above).map_or(self.below, |(_, tier)| *tier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tier_whose_minimum_an_earlier_tier_covers_is_never_reached() {
        let tiers: Vec<Tier> = [(1, 50), (2, 60), (3, 20)]
            .into_iter()
            .map(|(tier, min_score)| Tier {
                tier,
                min_score,
                customers: 0,
                mean_objective: 0.0,
                top_share: 0.0,
            })
            .collect();
        let cuts = TierCuts::new(&tiers);
        assert_eq!(cuts.reachable, vec![(50, 1), (20, 3)]);
        let scores = [70, 55, 50, 49, 20, -5];
        assert_eq!(scores.map(|s| cuts.tier(s)), [1, 1, 1, 3, 3, 3]);
        assert_eq!(TierCuts::new(&[]).tier(0), 3);
    }
}
