//! What the economics could be measured from. A figure whose table is absent is not measured:
//! empty and named, never 0; profit is labelled by what went into it.

/// Where revenue comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevenueSource {
    /// The transactions table.
    Transactions,
    /// Won deals, each amount on its close date (there is no transactions table).
    WonDeals,
    /// Neither transactions nor deals: revenue is not measured.
    Nothing,
}

/// The tables and columns the economics were given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Inputs {
    /// Where revenue comes from.
    pub revenue: RevenueSource,
    /// Whether transactions carry a cost column.
    pub direct_cost: bool,
    /// Whether an activities table gives cost to serve.
    pub activities: bool,
    /// Whether an acquisition table gives CAC.
    pub acquisition: bool,
}

impl Inputs {
    /// Every table and column present.
    pub const ALL: Inputs = Inputs {
        revenue: RevenueSource::Transactions,
        direct_cost: true,
        activities: true,
        acquisition: true,
    };

    /// The figures not measured, each with the table (or column) that would add it.
    pub fn not_measured(&self) -> Vec<NotMeasured> {
        let mut missing = Vec::new();
        let mut add = |figure, needs| missing.push(NotMeasured { figure, needs });
        if self.revenue == RevenueSource::Nothing {
            add("revenue", "a transactions table, or deals with won amounts");
        }
        if !self.direct_cost {
            add(
                "direct cost",
                match self.revenue {
                    RevenueSource::Transactions => "a cost column in transactions",
                    _ => "a transactions table with a cost column",
                },
            );
        }
        if !self.activities {
            add("cost to serve", "an activities table and activity_rates");
        }
        if !self.acquisition {
            add("CAC", "an acquisition table");
        }
        missing
    }

    /// What profit is, given what was measured.
    pub fn profit_is(&self) -> &'static str {
        match (self.direct_cost, self.activities, self.acquisition) {
            (true, true, true) => "profit: revenue − direct cost − cost to serve − CAC",
            (false, false, false) => "profit is revenue: no cost, activity or acquisition data",
            (_, false, _) => "gross margin before cost to serve",
            (true, true, false) => "profit before CAC: revenue − direct cost − cost to serve",
            (false, true, true) => "profit before direct cost: revenue − cost to serve − CAC",
            (false, true, false) => "profit before direct cost and CAC: revenue − cost to serve",
        }
    }
}

/// A figure that could not be measured, and what would measure it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct NotMeasured {
    /// The figure.
    pub figure: &'static str,
    /// The table or column that would add it.
    pub needs: &'static str,
}

impl std::fmt::Display for NotMeasured {
    /// As the outputs write it: `CAC (needs an acquisition table)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (needs {})", self.figure, self.needs)
    }
}

/// How revenue was measured, in figures.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RevenueFrom {
    /// Where it came from.
    pub source: RevenueSource,
    /// Won deals counted as revenue (with an account, an amount and a close date).
    pub won_deals: Option<u64>,
    /// Won deals with no account: their amount is unattributed revenue.
    pub won_deals_without_account: Option<u64>,
    /// The won amount of deals with no account.
    pub unattributed_revenue: Option<f64>,
    /// Won deals with an account but no amount or no close date, not counted.
    pub won_deals_without_amount_or_date: Option<u64>,
}

impl RevenueFrom {
    /// Revenue taken from a source other than won deals.
    pub fn plain(source: RevenueSource) -> Self {
        Self {
            source,
            won_deals: None,
            won_deals_without_account: None,
            unattributed_revenue: None,
            won_deals_without_amount_or_date: None,
        }
    }

    /// Where revenue came from, in words ("revenue from 80 won deals; no billing data").
    pub fn describe(&self) -> String {
        match self.source {
            RevenueSource::Transactions => "revenue from transactions".to_owned(),
            RevenueSource::Nothing => "no revenue data: no transactions and no won deals".to_owned(),
            RevenueSource::WonDeals => {
                let mut text = format!(
                    "revenue from {} won deals; no billing data",
                    self.won_deals.unwrap_or(0)
                );
                if let (Some(n), Some(amount)) = (self.won_deals_without_account, self.unattributed_revenue)
                    && n > 0
                {
                    let deals = if n == 1 { "deal" } else { "deals" };
                    text.push_str(&format!(
                        "; {n} won {deals} with no company ({amount:.2}) unattributed"
                    ));
                }
                if let Some(n) = self.won_deals_without_amount_or_date.filter(|n| *n > 0) {
                    text.push_str(&format!(
                        "; {n} won deals without an amount or a close date left out"
                    ));
                }
                text
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_missing_names_its_table_and_labels_profit() {
        let crm = Inputs {
            revenue: RevenueSource::WonDeals,
            direct_cost: false,
            activities: false,
            acquisition: false,
        };
        let figures: Vec<&str> = crm.not_measured().iter().map(|m| m.figure).collect();
        assert_eq!(figures, ["direct cost", "cost to serve", "CAC"]);
        assert_eq!(
            crm.profit_is(),
            "profit is revenue: no cost, activity or acquisition data"
        );
        assert!(Inputs::ALL.not_measured().is_empty());
        let no_activities = Inputs {
            activities: false,
            ..Inputs::ALL
        };
        assert_eq!(no_activities.profit_is(), "gross margin before cost to serve");
    }
}
