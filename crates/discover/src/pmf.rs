//! The product-market-fit gate: do customers come by word of mouth, recommend the product, stay
//! and buy again? A group passes when its share of referred customers reaches the threshold;
//! NPS (referred against other customers), retention and repeat purchase are its evidence.

/// Fewest accounts for a verdict on product-market fit.
const MIN_ACCOUNTS: u64 = 100;

/// What is known of each account for the gate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PmfInputs {
    /// Came by referral (a referrer, or the referral channel).
    pub referred: Vec<bool>,
    /// NPS responses of 9 or 10.
    pub promoters: Vec<u32>,
    /// NPS responses of 0 to 6.
    pub detractors: Vec<u32>,
    /// All NPS responses.
    pub responses: Vec<u32>,
    /// Has churned.
    pub churned: Vec<bool>,
    /// Bought on two or more days.
    pub repeat: Vec<bool>,
}

/// The gate's figures for a group of accounts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Pmf {
    /// Accounts in the group.
    pub accounts: u64,
    /// Share of them that came by referral.
    pub referral_share: f64,
    /// The referral share needed to pass.
    pub threshold: f64,
    /// Net promoter score of all their responses (−100 to 100), when there are any.
    pub nps: Option<f64>,
    /// NPS of the referred accounts' responses.
    pub nps_referred: Option<f64>,
    /// NPS of the other accounts' responses.
    pub nps_other: Option<f64>,
    /// Share that has not churned.
    pub retention: f64,
    /// Share that bought again.
    pub repeat_purchase_rate: f64,
    /// Whether the referral share reaches the threshold.
    pub fit: bool,
}

impl Pmf {
    /// The verdict in plain words, with what would help when there is no fit.
    pub fn verdict(&self) -> String {
        let nps = |x: Option<f64>| x.map_or_else(|| "unknown".to_owned(), |x| format!("{x:.0}"));
        let evidence = format!(
            "{:.0}% came by referral (threshold {:.0}%), NPS {} (referred {}, others {}), {:.0}% retained, {:.0}% bought again",
            self.referral_share * 100.0,
            self.threshold * 100.0,
            nps(self.nps),
            nps(self.nps_referred),
            nps(self.nps_other),
            self.retention * 100.0,
            self.repeat_purchase_rate * 100.0
        );
        if self.accounts < MIN_ACCOUNTS {
            format!(
                "with only {} customers, product-market fit cannot be judged yet ({MIN_ACCOUNTS} are needed): {evidence}",
                self.accounts
            )
        } else if self.fit {
            format!("product-market fit: {evidence}")
        } else {
            format!(
                "no product-market fit shown: {evidence}. Customers do not yet bring customers; data that \
                 would help: psychographics and the jobs customers hire the product for (from interviews or \
                 surveys), and NPS with the reason for the score"
            )
        }
    }
}

/// The gate for the accounts `members` (indices into `inputs`).
pub fn pmf(inputs: &PmfInputs, members: &[usize], threshold: f64) -> Pmf {
    let n = members.len().max(1) as f64;
    let share = |flags: &[bool]| members.iter().filter(|&&i| flags[i]).count() as f64 / n;
    let score = |pick: &dyn Fn(usize) -> bool| {
        let (mut promoters, mut detractors, mut responses) = (0u64, 0u64, 0u64);
        for &i in members.iter().filter(|&&i| pick(i)) {
            promoters += u64::from(inputs.promoters[i]);
            detractors += u64::from(inputs.detractors[i]);
            responses += u64::from(inputs.responses[i]);
        }
        (responses > 0).then(|| 100.0 * (promoters as f64 - detractors as f64) / responses as f64)
    };
    let referral_share = share(&inputs.referred);
    Pmf {
        accounts: members.len() as u64,
        referral_share,
        threshold,
        nps: score(&|_| true),
        nps_referred: score(&|i| inputs.referred[i]),
        nps_other: score(&|i| !inputs.referred[i]),
        retention: 1.0 - share(&inputs.churned),
        repeat_purchase_rate: share(&inputs.repeat),
        fit: referral_share >= threshold,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_computed_group() {
        // Four accounts; 0 and 1 referred. Responses: 0 has 2 promoters of 2, 1 has 1 detractor of
        // 1, 2 has 1 promoter and 1 detractor of 3, 3 none.
        let inputs = PmfInputs {
            referred: vec![true, true, false, false],
            promoters: vec![2, 0, 1, 0],
            detractors: vec![0, 1, 1, 0],
            responses: vec![2, 1, 3, 0],
            churned: vec![false, true, false, false],
            repeat: vec![true, true, false, true],
        };
        let all = pmf(&inputs, &[0, 1, 2, 3], 0.3);
        assert_eq!(all.referral_share, 0.5);
        // (3 promoters − 2 detractors) / 6 responses; referred (2 − 1) / 3; others (1 − 1) / 3.
        assert!((all.nps.unwrap() - 100.0 / 6.0).abs() < 1e-12);
        assert!((all.nps_referred.unwrap() - 100.0 / 3.0).abs() < 1e-12);
        assert_eq!(all.nps_other, Some(0.0));
        assert_eq!(
            (all.retention, all.repeat_purchase_rate, all.fit),
            (0.75, 0.75, true)
        );
        let others = pmf(&inputs, &[2, 3], 0.3);
        assert_eq!(
            (others.referral_share, others.nps_referred, others.fit),
            (0.0, None, false)
        );
        assert!(
            others
                .verdict()
                .starts_with("with only 2 customers, product-market fit cannot be judged yet")
        );
        // With enough customers the verdict is given, and without fit it says what would help.
        let many = Pmf {
            accounts: 500,
            ..others
        };
        assert!(
            many.verdict()
                .starts_with("no product-market fit shown: 0% came by referral")
        );
        assert!(many.verdict().contains("jobs customers hire the product for"));
        assert!(
            Pmf { fit: true, ..many }
                .verdict()
                .starts_with("product-market fit: 0% came by referral")
        );
    }
}
