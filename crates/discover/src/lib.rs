//! Discover: what makes the accounts that matter most different from the rest.
//!
//! Pure numerics over an in-memory table of accounts (an objective per account, such as profit,
//! and their attributes); the pipeline assembles that table. [`lift`] measures, for every
//! attribute value, numeric bin and list element, how over-represented it is among the top
//! accounts by the objective, with a confidence interval and a minimum support. [`subgroups`]
//! searches conjunctions of up to three conditions whose accounts concentrate the objective.

mod attributes;
mod lift;
mod subgroups;

pub use attributes::{Attribute, Condition, Values};
pub use lift::{Lift, LiftSettings, lift, wilson_interval};
pub use subgroups::{Subgroup, SubgroupSettings, subgroups};
