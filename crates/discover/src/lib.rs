//! Discover: what makes the accounts that matter most different from the rest.
//!
//! Pure numerics over an in-memory table of accounts (an objective per account, such as profit,
//! and their attributes); the pipeline assembles that table as a [`Base`] and [`discover()`]
//! runs every discovery on it. [`lift`] measures, for every attribute value, numeric bin and
//! list element, how over-represented it is among the top accounts by the objective, with a
//! confidence interval and a minimum support. [`subgroups`] searches conjunctions of up to three
//! conditions whose accounts concentrate the objective. [`adopter_cohorts`] places accounts in
//! Rogers' adopter cohorts by acquisition order, and [`drift`] names what each cohort has more
//! of than the whole base. [`pmf`] is the product-market-fit gate of a group of accounts, and
//! [`ecosystem`] the buying roles behind the top accounts. [`figures`] measures each group the
//! outputs show (segments, the anti-ICP's counterfactual, cohorts), and [`deals`] holds the one
//! definition of the win rate and of a median.

mod account_sets;
mod attributes;
mod cohorts;
pub mod deals;
mod ecosystem;
pub mod figures;
mod lift;
mod pmf;
mod run;
pub mod settings;
mod subgroups;

pub use account_sets::jaccard;
pub use attributes::{Attribute, Condition, UnknownAttribute, Values};
pub use cohorts::{Adopters, Drift, adopter_cohorts, drift};
pub use deals::{Deal, DealAccounts, DealColumn, DealOutcome, Deals, median};
pub use ecosystem::{Contact, Contacts, Ecosystem, Leverage, Role, Share, ecosystem};
pub use figures::{
    CohortFigures, Counterfactual, Outcomes, SegmentFigures, counterfactuals, segment_figures,
};
pub use lift::{Lift, LiftSettings, conditions, lift, nothing_to_learn, top_accounts, wilson_interval};
pub use pmf::{Pmf, PmfInputs, pmf};
pub use run::{Base, Discovery, discover};
pub use settings::{DiscoverSettings, Objective};
pub use subgroups::{Selectors, Subgroup, SubgroupSettings, subgroups};
