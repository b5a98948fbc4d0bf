//! The pure half of the pipeline: discover, then profile, on a customer base already read. A
//! build runs each on the base the engine's tables give; a test or a caller with its own base can
//! run both with [`analyse`].

use northstar_discover::{Base, Discovery, discover};
use northstar_profile::Drafted;

use crate::Settings;

/// What discover found and the ICP drawn from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// What sets the most valuable customers apart.
    pub discovery: Discovery,
    /// The ICP and what it says of each customer.
    pub profile: Drafted,
    /// Each customer's best segment: the rank of the first segment it belongs to.
    pub segments: Vec<Option<u64>>,
}

/// Discovers what sets the most valuable customers of `base` apart and draws the ICP from it.
pub fn analyse(base: &Base, settings: &Settings) -> Analysis {
    let discovery = discovered(base, settings);
    let profile = profiled(base, &discovery, settings);
    Analysis {
        segments: discovery.segment_ranks(base.objective.len()),
        discovery,
        profile,
    }
}

/// The discover stage on `base`.
pub(crate) fn discovered(base: &Base, settings: &Settings) -> Discovery {
    discover(base, settings.discover.referral_threshold)
}

/// The profile stage: the ICP drawn from `discovery` of `base`.
pub(crate) fn profiled(base: &Base, discovery: &Discovery, settings: &Settings) -> Drafted {
    let objective = settings.discover.objective.name();
    northstar_profile::profile(objective, base, discovery, &settings.market)
}
