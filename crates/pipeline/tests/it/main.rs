//! Integration tests of the pipeline library (one binary, several modules).

mod commit;
mod contract;
mod crm;
mod demo;
mod determinism;
mod economics;
mod planted;
mod real_data;
mod rejects;
mod support;
