//! The scorer's tests, one binary: agreement with the ICP's own assessment, the way to tier 1,
//! market sizing and the nearest customer, each worked out by hand.

mod agreement;
mod market;
mod nearest;
mod reach;
mod support;
