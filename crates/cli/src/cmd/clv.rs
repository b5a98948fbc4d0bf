//! `northstar clv`: lifetime-value models on their own, from a transactions file (repeat
//! purchases) or a survival table (contracts).

use northstar_clv::{Horizon, Model, TimeUnit};
use northstar_pipeline::clv::{self, ClvRequest};

use crate::Failure;
use crate::cli::{ClvArgs, ClvModel, ClvTimeUnit};
use crate::failure::print;
use crate::progress::Bars;

/// Fits the chosen model and prints its estimates, fit evidence and totals.
pub fn run(args: &ClvArgs) -> Result<(), Failure> {
    let model = match args.model {
        ClvModel::Sbg => return print(&clv::retention(&args.input, args.json)?),
        ClvModel::Bgnbd => Model::BgNbd,
        ClvModel::Mbgnbd => Model::MbgNbd,
        ClvModel::Pareto => Model::Pareto,
    };
    let request = ClvRequest {
        input: args.input.clone(),
        config: args.config.clone(),
        model,
        horizon: Horizon {
            months: args.horizon,
            annual_discount: args.discount,
            unit: match args.time_unit {
                ClvTimeUnit::Day => TimeUnit::Day,
                ClvTimeUnit::Week => TimeUnit::Week,
                ClvTimeUnit::Month => TimeUnit::Month,
            },
        },
        calibration_end: args.calibration_end.clone(),
        out: args.out.clone(),
        options: args.rejects.options(None, &args.engine),
    };
    let result = clv::purchases(&request, &Bars::default())?;
    let report = clv::report(&result, &request.horizon);
    if args.json {
        print(&(serde_json::to_string_pretty(&report)? + "\n"))
    } else {
        print(&clv::describe(&report, &result))
    }
}
