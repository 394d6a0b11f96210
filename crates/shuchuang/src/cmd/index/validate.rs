//! `shuchuang index validate`: every published figure beside the raw computation.

use anyhow::{Result, bail};
use clap::Args;
use index_engine::validate::validate;
use index_engine::{PublishedChain, PublishedRule, compute_with};
use report::index::write_validation_to;
use report::index_runs::validation_summary;

use super::{DataArgs, OutputArgs, PUBLISHED_FILE, load, print_notes, read_published};

pub(super) const EXAMPLES: &str = "Examples:
  shuchuang index validate data/caict-2025
  shuchuang index validate data/caict-2025 --format csv --out validation.csv
  shuchuang index validate data/caict-2025 --interpolate linear --format json";

#[derive(Debug, Args)]
pub(super) struct ValidateArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    output: OutputArgs,
}

pub(super) fn run(a: ValidateArgs) -> Result<()> {
    if a.data.raw
        || !a.data.published_rule.is_empty()
        || a.data.method != index_engine::MethodKind::Chain
    {
        bail!(
            "validate always compares with the raw chain computation: --raw, --published-rule and --method do not apply"
        );
    }
    let path = a.data.dir.join(PUBLISHED_FILE);
    if !path.exists() {
        bail!(
            "{} not found: validate sets each published figure (node,year,index[,unit,kind,quote]) beside the raw computation",
            path.display()
        );
    }
    let (fw, panel) = load(&a.data)?;
    let published = read_published(&a.data.dir, &fw, &panel)?;
    let filled = a.data.options().fill(&panel)?;
    print_notes(filled.notes());
    let rows = validate(&fw, &filled, &published)?;
    let format = a.output.format;
    a.output
        .emit(|out| write_validation_to(&rows, format, out))?;
    // The same figures in the default mode (published aggregates, the default rule).
    let rule = PublishedRule::default();
    let method = PublishedChain::new(&published, &rule, a.data.options().interpolation.gap_fill());
    let default = compute_with(&method, &fw, &filled, None)?;
    let same_base = filled.base_year() == published.base_year();
    eprintln!(
        "{}",
        validation_summary(&rows, same_base.then_some(&default))
    );
    Ok(())
}
