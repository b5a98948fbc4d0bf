//! Integration tests of the `northstar` command (one binary, several modules).

mod bad_input;
mod cli;
mod clv;
mod icp;
mod report;
mod score;
mod serve;
mod support;
