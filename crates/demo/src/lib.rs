//! The built-in demo company: **Routewise**, a B2B software vendor selling fleet and warehouse
//! software, with every input table of the contract (accounts, transactions, activities,
//! activity_rates, acquisition, deals, nps, contacts, signals, prospects).
//!
//! The data are synthetic but shaped like a real customer base, with a profit structure worth
//! discovering. Four segments are planted:
//!
//! | segment | who | economics |
//! |---|---|---|
//! | core | Logistics and Wholesale, 200–5,000 employees, mostly on Kubernetes, often referred | high margin, cheap to serve, long-lived: the profitable core |
//! | enterprise | Retail and Financial Services, over 5,000 employees, on SAP/Oracle, sold by field sales | the most revenue, but deep discounts, heavy support and integrations and a large CAC: they lose money |
//! | small | under 50 employees, any industry, bought through paid search | small invoices, support-hungry, churn fast: they lose money |
//! | mid | everything else | modestly profitable |
//!
//! The same size and seed always give the same bytes. Sizes: small ≈ 2,000 accounts, medium ≈
//! 50,000, large ≈ 1,000,000 accounts with ≈ 10 million transactions.

mod company;
mod write;

use std::path::Path;

pub use company::{Account, Segment, prospects};
pub use write::DemoStats;

/// How big a demo company to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// About 2,000 accounts: seconds.
    Small,
    /// About 50,000 accounts.
    Medium,
    /// About 1,000,000 accounts and 10 million transactions: for benchmarks.
    Large,
}

impl Size {
    /// Customer accounts at this size.
    pub fn accounts(self) -> usize {
        match self {
            Size::Small => 2_000,
            Size::Medium => 50_000,
            Size::Large => 1_000_000,
        }
    }
}

/// A demo folder that could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// Writing a file failed.
    #[error("cannot write the demo data: {0}")]
    Io(#[from] std::io::Error),
    /// Writing a CSV record failed.
    #[error("cannot write the demo data: {0}")]
    Csv(#[from] csv::Error),
}

/// Writes the demo company's input tables into `dir` (created if missing).
pub fn write_demo(dir: &Path, size: Size, seed: u64) -> Result<DemoStats, DemoError> {
    let company = company::Company::generate(size.accounts(), seed);
    write::write_all(dir, &company, seed)
}
