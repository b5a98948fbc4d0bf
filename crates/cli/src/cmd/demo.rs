//! `northstar demo`: make the demo company's data, then build it.

use crate::Failure;
use crate::cli::{DemoArgs, DemoSize};
use crate::progress::Bars;

/// Writes the demo data to `OUT/data` and builds it into `OUT/out`.
pub fn run(args: &DemoArgs) -> Result<(), Failure> {
    let size = match args.size {
        DemoSize::Small => northstar_demo::Size::Small,
        DemoSize::Medium => northstar_demo::Size::Medium,
        DemoSize::Large => northstar_demo::Size::Large,
    };
    let build = northstar_pipeline::demo(
        &args.out,
        size,
        args.seed,
        &args.build.options(),
        &Bars::default(),
    )?;
    crate::cmd::build::report(&build, &args.build)
}
