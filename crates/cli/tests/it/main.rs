//! Integration tests of the `northstar` command and its pipeline (one binary, several modules).

mod bad_input;
mod cli;
mod clv;
mod demo;
mod economics;
mod icp;
mod real_data;
mod support;
