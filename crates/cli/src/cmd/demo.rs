//! `northstar demo`: make the demo company's data, then build it.

use crate::Failure;
use crate::cli::{DemoArgs, DemoSize};
use crate::pipeline::{self, BuildRequest};

/// Writes the demo data to `OUT/data` and builds it into `OUT`.
pub fn run(args: &DemoArgs) -> Result<(), Failure> {
    let size = match args.size {
        DemoSize::Small => northstar_demo::Size::Small,
        DemoSize::Medium => northstar_demo::Size::Medium,
        DemoSize::Large => northstar_demo::Size::Large,
    };
    let data = args.out.join("data");
    let spinner =
        crate::progress::spinner(&format!("making the demo company ({} accounts)", size.accounts()));
    northstar_demo::write_demo(&data, size, args.seed)?;
    spinner.finish_and_clear();
    let request = BuildRequest {
        data: &data,
        out: &args.out,
        config: None,
        options: &args.build,
    };
    let built = pipeline::build(&request)?;
    crate::cmd::build::report(&built, &args.build)
}
